"""The director's own wording and fee table reach the buyer: the order message opens and ends
with the cooperative's words (lines, total and link stay chotdon's), and an order to a province of
the fee table carries that province's fee, elsewhere the general one."""

from __future__ import annotations

import asyncpg
from arq.connections import ArqRedis

from aggregator.confirmation.addresses import divisions
from aggregator.confirmation.forms import Delivery
from aggregator.confirmation.service import BuyerRequest, submit
from aggregator.confirmation.summary import summary_text
from aggregator.confirmation.view import load_order_page
from aggregator.orders.totals import recompute_totals
from schema.enums import PaymentMethod
from tests.support.confirmation import order_from_comments, shop_with_origins
from tests.support.privacy import CONSENT

SETTINGS = {
    "message_templates": {"greeting": "{htx} kính chào {ten}, đơn {madon} gồm:",
                          "closing": "Cảm ơn {ten} đã ủng hộ bà con {htx}."},
    "shipping_fees": {"provinces": {"25": 25_000}},
    "shipping_fee_vnd": 30_000,
}  # fmt: skip


async def test_the_order_message_and_fee_follow_the_cooperatives_settings(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await shop_with_origins(db, stock={"A01": 5})
    await db.execute("UPDATE tenants SET settings = settings || $2::jsonb WHERE id = $1",
                     shop.tenant_id, SETTINGS)  # fmt: skip
    order_id = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01 x2")
    async with pool.acquire() as conn:
        page = await load_order_page(conn, order_id)
    assert page is not None
    text = summary_text(page, "Lan", "https://shop.example/d/abc")
    first, *_, link_line, last = text.split("\n")
    assert first == f"{page.tenant_name} kính chào Lan, đơn {page.order_no} gồm:"
    assert last == f"Cảm ơn Lan đã ủng hộ bà con {page.tenant_name}."
    assert "Tạm tính" in text and link_line.endswith("https://shop.example/d/abc")
    fees = {}
    for province in ("25", "1"):
        await db.execute("UPDATE orders SET province_code = $2 WHERE id = $1", order_id, province)
        async with pool.acquire() as conn:
            await recompute_totals(conn, [order_id])
        fees[province] = await db.fetchval("SELECT shipping_vnd FROM orders WHERE id = $1",
                                           order_id)  # fmt: skip
    assert fees == {"25": 25_000, "1": 30_000}


async def test_the_buyers_address_sets_the_fee_of_the_table(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await shop_with_origins(db, stock={"A01": 5})
    await db.execute("UPDATE tenants SET settings = settings || $2::jsonb WHERE id = $1",
                     shop.tenant_id, SETTINGS)  # fmt: skip
    order_id = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01 x2")
    before = await db.fetchrow("SELECT shipping_vnd, total_vnd FROM orders WHERE id = $1",
                               order_id)  # fmt: skip
    assert before["shipping_vnd"] == 30_000
    async with pool.acquire() as conn:
        page = await load_order_page(conn, order_id)
    assert page is not None
    ward = divisions().wards["25"][0].code
    delivery = Delivery("Nguyễn Thị Lan", "0912345678", "25", ward, "Số 5", "", PaymentMethod.COD)
    await submit(pool, BuyerRequest(order_id, page.digest, delivery=delivery, consent=CONSENT))
    after = await db.fetchrow("SELECT status, shipping_vnd, total_vnd FROM orders WHERE id = $1",
                              order_id)  # fmt: skip
    assert (after["status"], after["shipping_vnd"]) == ("confirmed", 25_000)
    assert after["total_vnd"] == before["total_vnd"] - 5_000
