"""One live on several channels: one stock pool, one waitlist, one open order per buyer, and the
three hold modes holding under concurrency across channels (real Postgres, merges and
confirmations and payments of two or three channels racing with asyncio.gather)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import asyncpg
import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer
from arq.connections import ArqRedis

from aggregator.confirmation.forms import Delivery
from aggregator.confirmation.service import BuyerRequest, submit
from aggregator.confirmation.view import load_order_page
from aggregator.core.dashboard import VIETNAM
from aggregator.ingest.pipeline import Ingestor
from aggregator.orders.merge import merge_session
from aggregator.orders.state import transition
from aggregator.orders.stock import release_orders
from aggregator.settings import Settings
from aggregator.staff.accounts import StaffUser
from aggregator.staff.phone import confirm_by_phone
from aggregator.staff.reports import build_report
from aggregator.web.app import create_app
from schema.enums import HoldMode, PaymentMethod, Platform, StaffRole
from schema.events import CommentEvent
from schema.states import OrderStatus
from tests.support.confirmation import PAYMENT_SECRET, confirmation_settings
from tests.support.factories import LiveChannel, Shop, add_channel, seed_shop
from tests.support.invariants import assert_consistent
from tests.support.privacy import CONSENT
from tests.support.staff import add_staff

DELIVERY = Delivery("Nguyễn Thị Lan", "0912345678", "01", "00004", "Số 1 Lê Lợi", "",
                    PaymentMethod.COD)  # fmt: skip
# The same buyer, as staff type it into the order page's phone form.
PHONE_FORM = {"name": DELIVERY.name, "phone": DELIVERY.phone, "province": "1", "ward": "70",
              "address": DELIVERY.address_line, "note": "", "payment": "cod",
              "consent": "yes"}  # fmt: skip


async def three_channels(
    db: asyncpg.Connection, stock: dict[str, int], hold_mode: HoldMode = HoldMode.FIRST_COMMENT
) -> tuple[Shop, LiveChannel, LiveChannel]:
    shop = await seed_shop(db, stock=stock, hold_mode=hold_mode)
    return (
        shop,
        await add_channel(db, shop, Platform.ZALO),
        await add_channel(db, shop, Platform.RELAY),
    )


async def ingest(pool: asyncpg.Pool, arq: ArqRedis, events: list[CommentEvent]) -> None:
    async with Ingestor(pool, arq) as ingestor:
        await ingestor.submit_many(events)


async def merge_all(pool: asyncpg.Pool, sessions: list[int]) -> None:
    """Every channel's merge job at once, as arq workers would run them."""
    await asyncio.gather(*(merge_session(pool, s) for s in sessions))


async def pool_figures(db: asyncpg.Connection, live: int, code: str) -> tuple[int, int, int]:
    """(quantity, reserved, held lines' sum) of one product in the live's pool."""
    row = await db.fetchrow(
        "SELECT st.quantity, st.reserved, (SELECT coalesce(sum(i.qty), 0) FROM order_items i "
        "JOIN orders o ON o.id = i.order_id WHERE o.live_id = st.live_id "
        "AND i.product_id = st.product_id AND i.status = 'held') AS held "
        "FROM live_stock st JOIN products p ON p.id = st.product_id "
        "WHERE st.live_id = $1 AND p.code = $2",
        live,
        code,
    )
    assert row is not None
    return row["quantity"], row["reserved"], int(row["held"])


async def test_first_comment_three_channels_race_for_one_pool(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop, zalo, relay = await three_channels(db, {"N01": 10})
    events: list[CommentEvent] = []
    for n in range(12):  # 36 buyers want 36 boxes of the 10 the live has, on three platforms
        events += [shop.comment("chốt N01", f"fb{n}"), zalo.comment("chốt N01", f"zl{n}"),
                   relay.comment("chốt N01", f"tt{n}")]  # fmt: skip
    await ingest(pool, arq_pool, events)
    await merge_all(pool, [shop.session_id, zalo.session_id, relay.session_id])
    assert await pool_figures(db, shop.live, "N01") == (10, 10, 10)
    statuses = await db.fetch(
        "SELECT i.status, count(*) AS n FROM order_items i GROUP BY 1 ORDER BY 1"
    )
    assert {r["status"]: r["n"] for r in statuses} == {"held": 10, "waitlisted": 26}
    # One waitlist whatever the channel: the head of the line (by comment) holds first.
    first_waiting = await db.fetchval(
        "SELECT i.order_id FROM order_items i WHERE i.status = 'waitlisted' "
        "ORDER BY i.queue_position LIMIT 1"
    )
    held = await db.fetch("SELECT order_id FROM order_items WHERE status = 'held'")
    async with pool.acquire() as conn, conn.transaction():
        await transition(conn, [held[0]["order_id"]], OrderStatus.CANCELLED, actor="t", reason="t")
        await release_orders(conn, [held[0]["order_id"]])
    assert (
        await db.fetchval("SELECT status FROM order_items WHERE order_id = $1", first_waiting)
        == "held"
    )
    await assert_consistent(db)


async def test_one_open_order_per_buyer_per_live_when_two_channels_merge_at_once(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop, zalo, _relay = await three_channels(db, {"A01": 50, "N01": 50})
    for n in range(8):  # each buyer writes the same phone on Facebook and on Zalo at once
        phone = f"09123450{n:02d}"
        await ingest(pool, arq_pool, [
            shop.comment(f"chốt A01 sđt {phone}", f"fb{n}"),
            zalo.comment(f"lấy 2 nem, {phone}", f"zl{n}"),
        ])  # fmt: skip
        await merge_all(pool, [shop.session_id, zalo.session_id])
    rows = await db.fetch(
        "SELECT o.buyer_id, count(DISTINCT o.id) AS orders, "
        "string_agg(i.code || ' ' || i.qty, ', ' ORDER BY i.code) AS lines FROM orders o "
        "JOIN order_items i ON i.order_id = o.id AND i.status <> 'removed' "
        "WHERE o.status IN ('draft', 'awaiting_confirmation', 'confirmed') GROUP BY 1"
    )
    assert [(r["orders"], r["lines"]) for r in rows] == [(1, "A01 1, N01 2")] * 8
    await assert_consistent(db)


async def test_a_phone_link_merges_the_open_orders_of_two_channels(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop, zalo, _relay = await three_channels(db, {"A01": 1, "N01": 5})
    await ingest(pool, arq_pool, [shop.comment("chốt A01", "lan-fb"), zalo.comment("chốt A01",
                                  "lan-zalo"), zalo.comment("2 nem", "lan-zalo")])  # fmt: skip
    await merge_all(pool, [shop.session_id, zalo.session_id])
    assert (
        await db.fetchval("SELECT count(*) FROM orders WHERE status = 'awaiting_confirmation'") == 2
    )
    fb_order = await db.fetchval("SELECT min(id) FROM orders")
    async with pool.acquire() as conn, conn.transaction():  # Lan confirmed the Facebook order
        await transition(conn, [fb_order], OrderStatus.CONFIRMED, actor="t", reason="t")
    # Now she writes her phone on both platforms, and both merges run at once.
    await ingest(pool, arq_pool, [shop.comment("sđt 0987 654 321", "lan-fb"),
                                  zalo.comment("0987654321", "lan-zalo")])  # fmt: skip
    await merge_all(pool, [shop.session_id, zalo.session_id])
    orders = await db.fetch("SELECT id, status, needs_reconfirmation FROM orders ORDER BY id")
    assert [(r["status"], r["needs_reconfirmation"]) for r in orders] == [
        ("awaiting_confirmation", True), ("cancelled", False),
    ]  # fmt: skip
    lines = await db.fetch(
        "SELECT code, qty, status FROM order_items WHERE order_id = $1 AND status <> 'removed' "
        "ORDER BY queue_position", fb_order,
    )  # fmt: skip
    assert [tuple(r) for r in lines] == [("A01", 1, "held"), ("A01", 1, "waitlisted"),
                                         ("N01", 2, "held")]  # fmt: skip
    merged = await db.fetchrow("SELECT data FROM order_events WHERE kind = 'merged'")
    assert merged is not None and len(merged["data"]["from"]) == 1
    await assert_consistent(db)


async def _orders_of(db: asyncpg.Connection) -> list[int]:
    return [r["id"] for r in await db.fetch("SELECT id FROM orders ORDER BY id")]


async def test_first_confirm_buyer_page_and_staff_phone_race_across_channels(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop, zalo, relay = await three_channels(db, {"N01": 7}, HoldMode.FIRST_CONFIRM)
    events = []
    for n in range(5):
        events += [shop.comment("chốt N01", f"fb{n}"), zalo.comment("chốt N01", f"zl{n}"),
                   relay.comment("chốt N01", f"tt{n}")]  # fmt: skip
    await ingest(pool, arq_pool, events)
    await merge_all(pool, [shop.session_id, zalo.session_id, relay.session_id])
    assert await pool_figures(db, shop.live, "N01") == (7, 0, 0)  # nothing held at the comment
    staff_id, login = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    staff = StaffUser(staff_id, shop.tenant_id, login, "Chị Hoa", StaffRole.STAFF)
    orders = await _orders_of(db)

    async def buyer(order_id: int) -> None:
        async with pool.acquire() as conn:
            page = await load_order_page(conn, order_id)
        assert page is not None
        await submit(pool, BuyerRequest(order_id, page.digest, delivery=DELIVERY, consent=CONSENT))

    # Half confirm on the buyer page, half by staff on the phone, all at once.
    await asyncio.gather(*(
        buyer(o) if i % 2 else confirm_by_phone(pool, staff, o, PHONE_FORM)
        for i, o in enumerate(orders)
    ))  # fmt: skip
    quantity, reserved, held = await pool_figures(db, shop.live, "N01")
    assert reserved == held == quantity == 7  # demand was 15: the pool is full, never more
    assert await db.fetchval("SELECT count(*) FROM order_items WHERE status = 'requested'") == 0
    staff_held = await db.fetchval(
        "SELECT count(*) FROM order_items i JOIN order_events e ON e.order_id = i.order_id "
        "WHERE e.actor = $1 AND e.to_status = 'confirmed' AND i.status = 'held'",
        staff.actor,
    )
    assert staff_held > 0  # a phone confirmation holds stock too
    await assert_consistent(db)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[TestClient[Any, Any]]:
    async with TestClient(TestServer(create_app(confirmation_settings(settings)))) as test_client:
        yield test_client


async def _pay(client: TestClient[Any, Any], order_no: str, amount: int, n: int) -> int:
    notice = {"transaction_id": f"tx-{order_no}-{n}", "amount": amount,
              "content": f"CK {order_no}"}  # fmt: skip
    answer = await client.post(
        "/webhooks/payments",
        data=orjson.dumps(notice),
        headers={"Authorization": f"Apikey {PAYMENT_SECRET}"},
    )
    return answer.status


async def test_first_payment_transfers_race_across_channels(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, client: TestClient[Any, Any]
) -> None:
    shop, zalo, relay = await three_channels(db, {"A01": 4}, HoldMode.FIRST_PAYMENT)
    events = []
    for n in range(3):
        events += [shop.comment("chốt A01", f"fb{n}"), zalo.comment("chốt A01", f"zl{n}"),
                   relay.comment("chốt A01", f"tt{n}")]  # fmt: skip
    await ingest(pool, arq_pool, events)
    await merge_all(pool, [shop.session_id, zalo.session_id, relay.session_id])
    orders = await _orders_of(db)
    async with pool.acquire() as conn:
        for order_id in orders:  # everyone confirms: confirming takes nothing in this mode
            page = await load_order_page(conn, order_id)
            assert page is not None
            await submit(
                pool, BuyerRequest(order_id, page.digest, delivery=DELIVERY, consent=CONSENT)
            )
    assert await pool_figures(db, shop.live, "A01") == (4, 0, 0)
    unpaid = await db.fetchval("SELECT count(*) FROM order_items WHERE status = 'requested'")
    assert unpaid == 9  # the total the buyer transfers counts them
    rows = await db.fetch("SELECT order_no, total_vnd FROM orders WHERE id <> $1", orders[0])
    # Eight transfers arrive at once from buyers of three platforms; the first order never pays.
    statuses = await asyncio.gather(*(
        _pay(client, r["order_no"], r["total_vnd"], i) for i, r in enumerate(rows)
    ))  # fmt: skip
    assert statuses == [200] * 8
    assert await pool_figures(db, shop.live, "A01") == (4, 4, 4)
    paid_waiting = await db.fetchval(
        "SELECT count(*) FROM order_items i JOIN orders o ON o.id = i.order_id "
        "WHERE o.paid_at IS NOT NULL AND i.status = 'waitlisted'"
    )
    assert paid_waiting == 4  # paid with nothing left: in line, and staff see why
    assert (
        await db.fetchval("SELECT count(*) FROM order_events WHERE kind = 'paid_waiting_for_stock'")
        == 4
    )
    unpaid_holds = await db.fetchval(
        "SELECT count(*) FROM order_items i JOIN orders o ON o.id = i.order_id "
        "WHERE o.paid_at IS NULL AND i.status = 'held'"
    )
    assert unpaid_holds == 0
    # A paid order is cancelled: its unit goes to the first PAID order in line, not the unpaid one.
    paid_holder = await db.fetchval(
        "SELECT o.id FROM orders o JOIN order_items i ON i.order_id = o.id "
        "WHERE i.status = 'held' ORDER BY o.id LIMIT 1"
    )
    async with pool.acquire() as conn, conn.transaction():
        await transition(conn, [paid_holder], OrderStatus.CANCELLED, actor="t", reason="t")
        promoted = await release_orders(conn, [paid_holder])
    assert len(promoted) == 1
    assert await db.fetchval("SELECT paid_at FROM orders WHERE id = $1", promoted[0]) is not None
    await assert_consistent(db)


async def test_zalo_after_the_live_joins_the_order_the_buyer_made_on_facebook(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop, zalo, _relay = await three_channels(db, {"A01": 5, "B01": 5})
    during = zalo.comment("sđt chị 0912345678", "lan-zalo").model_copy(
        update={"external_live_id": None}  # a message to the OA: no live id
    )
    await ingest(pool, arq_pool, [shop.comment("chốt A01 sđt 0912345678", "lan-fb"), during])
    await merge_session(pool, shop.session_id)
    await merge_session(pool, zalo.session_id)
    await db.execute(
        "UPDATE live_sessions SET status = 'ended', ended_at = now() - interval '2 hours' "
        "WHERE live_id = $1", shop.live,
    )  # fmt: skip
    after = zalo.comment("cho chị thêm 2 B01 nhé", "lan-zalo").model_copy(
        update={"external_live_id": None}
    )
    await ingest(pool, arq_pool, [after])
    assert await db.fetchval(
        "SELECT session_id FROM comments WHERE external_id = $1", after.external_id
    ) == zalo.session_id  # fmt: skip
    await merge_session(pool, zalo.session_id)
    lines = await db.fetch(
        "SELECT o.session_id, i.code, i.qty FROM order_items i JOIN orders o ON o.id = i.order_id "
        "WHERE i.status <> 'removed' ORDER BY i.code"
    )
    assert [tuple(r) for r in lines] == [(shop.session_id, "A01", 1), (shop.session_id, "B01", 2)]
    await assert_consistent(db)


async def test_the_report_shows_the_live_once_with_its_platforms(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop, zalo, relay = await three_channels(db, {"A01": 5})
    await ingest(pool, arq_pool, [shop.comment("chốt A01", "fb"), zalo.comment("chốt A01", "zl"),
                                  relay.comment("chốt A01", "tt")])  # fmt: skip
    await merge_all(pool, [shop.session_id, zalo.session_id, relay.session_id])
    staff_id, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    staff = StaffUser(staff_id, shop.tenant_id, login, "Anh Tú", StaffRole.DIRECTOR)
    today = datetime.now(VIETNAM).date()
    report = await build_report(pool, staff, today, today)
    # named with its start (Vietnam time, with the date), its platforms (the relay is TikTok's
    # bridge: one name, TikTok) and its title
    [(label, orders)] = [(r.label, r.numbers["orders"]) for r in report.lives]
    assert orders == 3
    assert re.fullmatch(r"\d\d:\d\d \d\d/\d\d/\d{4} · Facebook, TikTok, Zalo · Live tối", label)
    assert len(report.platforms) == 3  # each order still counts for its own platform
