"""What the courier collects and who pays it: COD = total - paid on the booking sent to each
courier (simulator) and on the slip; free shipping from the live's promotion, or a delivery fee
already in the order's total, books shop-pays in each courier's own field."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from aggregator.core.prepay import MoneyRules
from aggregator.orders.money import save_money_rules
from aggregator.orders.totals import recompute_totals
from aggregator.settings import Settings
from aggregator.shipping.handoff import Outcome
from aggregator.shipping.slip_pdf import render_slips
from aggregator.shipping.slips import order_slip
from connectors.simulators.couriers import CourierSimulator
from schema.enums import Courier
from tests.support.factories import seed_shop
from tests.support.pdf import pdf_text
from tests.support.shipping import (
    book,
    courier_settings,
    running_simulator,
    seed_packing_orders,
)


def cod_of(courier: Courier, body: dict[str, Any]) -> int:
    if courier is Courier.GHN:
        return int(body["cod_amount"])
    if courier is Courier.GHTK:
        return int(body["pick_money"])  # the simulator keeps GHTK's "order" object
    return int(body["MONEY_COLLECTION"])


def payer_of(courier: Courier, body: dict[str, Any]) -> str:
    """'shop' or 'buyer', read from each courier's own field (shared/reference/couriers.md)."""
    if courier is Courier.GHN:
        return {1: "shop", 2: "buyer"}[body["payment_type_id"]]
    if courier is Courier.GHTK:
        return "shop" if body["is_freeship"] == 1 else "buyer"
    return "shop" if body["ORDER_PAYMENT"] in (1, 3) else "buyer"


@pytest.fixture
async def simulator() -> AsyncIterator[CourierSimulator]:
    async with running_simulator() as sim:
        yield sim


@pytest.fixture
def ship_settings(settings: Settings, simulator: CourierSimulator) -> Settings:
    return courier_settings(settings, simulator)


async def slip_text(pool: asyncpg.Pool, tenant_id: int, order_id: int) -> str:
    async with pool.acquire() as conn:
        slip = await order_slip(conn, tenant_id, order_id)
    assert slip is not None
    return pdf_text(render_slips([slip]))


@pytest.mark.parametrize("courier", list(Courier))
async def test_a_partial_transfer_leaves_the_balance_as_cod(
    db: asyncpg.Connection, pool: asyncpg.Pool, ship_settings: Settings,
    simulator: CourierSimulator, courier: Courier,
) -> None:  # fmt: skip
    shop = await seed_shop(db)
    (order_id,) = await seed_packing_orders(db, shop, 1, courier)
    await db.execute(
        "INSERT INTO payments (tenant_id, transaction_id, amount_vnd, order_id, status) "
        "VALUES ($1, 'tx-1', 100000, $2, 'partial')", shop.tenant_id, order_id,
    )  # fmt: skip
    text = await slip_text(pool, shop.tenant_id, order_id)
    assert "Thu hộ (COD): 260.000 đ" in text and "Đã chuyển khoản: 100.000 đ" in text
    assert "Đã thanh toán" not in text  # never while money is owed

    await db.execute("UPDATE orders SET status = 'packed' WHERE id = $1", order_id)
    assert await book(pool, ship_settings, order_id) is Outcome.CREATED
    [parcel] = simulator.parcels.values()
    assert cod_of(courier, parcel.body) == 260_000
    assert await db.fetchval("SELECT cod_vnd FROM shipments WHERE order_id = $1", order_id) == (
        260_000
    )
    assert payer_of(courier, parcel.body) == "buyer"  # no fee in the total: courier collects it


@pytest.mark.parametrize("courier", list(Courier))
async def test_free_shipping_from_the_live_books_shop_pays_and_shows_on_the_slip(
    db: asyncpg.Connection, pool: asyncpg.Pool, ship_settings: Settings,
    simulator: CourierSimulator, courier: Courier,
) -> None:  # fmt: skip
    shop = await seed_shop(db)
    (order_id,) = await seed_packing_orders(db, shop, 1, courier)
    await db.execute('UPDATE lives SET promotion = \'{"kind": "free_ship", "min_items": 2}\'')
    async with pool.acquire() as conn:
        await save_money_rules(conn, shop.tenant_id, MoneyRules(shipping_fee_vnd=30_000))
        await recompute_totals(conn, [order_id])
    row = await db.fetchrow(
        "SELECT shipping_vnd, free_shipping, total_vnd FROM orders WHERE id = $1", order_id
    )
    assert tuple(row) == (30_000, True, 360_000)  # the fee is written, and waived
    text = await slip_text(pool, shop.tenant_id, order_id)
    assert "Khuyến mãi: Miễn phí giao hàng cho đơn từ 2 sản phẩm" in text
    assert "miễn phí cho khách (shop trả)" in text

    await db.execute("UPDATE orders SET status = 'packed' WHERE id = $1", order_id)
    assert await book(pool, ship_settings, order_id) is Outcome.CREATED
    [parcel] = simulator.parcels.values()
    assert payer_of(courier, parcel.body) == "shop"
    assert cod_of(courier, parcel.body) == 360_000


async def test_a_delivery_fee_in_the_total_is_not_collected_twice(
    db: asyncpg.Connection, pool: asyncpg.Pool, ship_settings: Settings,
    simulator: CourierSimulator,
) -> None:  # fmt: skip
    shop = await seed_shop(db)
    (order_id,) = await seed_packing_orders(db, shop, 1, Courier.GHN)
    async with pool.acquire() as conn:
        await save_money_rules(conn, shop.tenant_id, MoneyRules(shipping_fee_vnd=25_000))
        await recompute_totals(conn, [order_id])
    assert await db.fetchval("SELECT total_vnd FROM orders WHERE id = $1", order_id) == 385_000
    await db.execute("UPDATE orders SET status = 'packed' WHERE id = $1", order_id)
    assert await book(pool, ship_settings, order_id) is Outcome.CREATED
    [parcel] = simulator.parcels.values()
    assert (parcel.body["cod_amount"], parcel.body["payment_type_id"]) == (385_000, 1)
    assert "25.000 đ (đã tính trong đơn)" in await slip_text(pool, shop.tenant_id, order_id)
