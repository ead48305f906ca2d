"""Payment deadline of an order that must prepay: set at confirmation from the director's hours,
one reminder half-way through the outbound path, then expiry that gives the stock to the next
buyer on the waitlist. An order holding only waitlisted lines cannot be confirmed at all."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from arq.connections import ArqRedis

from aggregator.confirmation.errors import NothingHeldError
from aggregator.confirmation.forms import Delivery
from aggregator.confirmation.links import order_token
from aggregator.confirmation.service import BuyerRequest, submit
from aggregator.confirmation.view import load_order_page
from aggregator.core.prepay import MoneyRules
from aggregator.orders.money import save_money_rules
from aggregator.runtime import jobs
from aggregator.settings import Settings
from aggregator.web.app import create_app
from schema.enums import PaymentMethod
from tests.support.confirmation import confirmation_settings, order_from_comments, shop_with_origins
from tests.support.privacy import CONSENT
from workers.confirmation_jobs import send_order_message_job
from workers.context import PG_POOL, SETTINGS
from workers.order_jobs import sweep_job

HANOI, HOAN_KIEM = "1", "70"


async def confirm(pool: asyncpg.Pool, order_id: int, payment: PaymentMethod) -> None:
    async with pool.acquire() as conn:
        page = await load_order_page(conn, order_id)
    assert page is not None
    delivery = Delivery(
        "Trần Thị Lan", "0912345678", HANOI, HOAN_KIEM, "Số 5 Hàng Bài", "", payment
    )
    await submit(pool, BuyerRequest(order_id, page.digest, delivery=delivery, consent=CONSENT))


async def test_one_payment_reminder_then_expiry_gives_the_stock_to_the_next_buyer(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    ctx: dict[str, Any] = {SETTINGS: confirmation_settings(settings), PG_POOL: pool,
                           "redis": arq_pool}  # fmt: skip
    shop = await shop_with_origins(db, stock={"A01": 2})
    async with pool.acquire() as conn:
        await save_money_rules(conn, shop.tenant_id, MoneyRules(payment_hours=6))
    lan = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01 x2")
    cod = await order_from_comments(db, pool, arq_pool, shop, "hoa", "chốt A01 x1")
    minh = await order_from_comments(db, pool, arq_pool, shop, "minh", "chốt A01 x2")
    statuses = await db.fetch("SELECT order_id, status FROM order_items ORDER BY order_id")
    assert [r["status"] for r in statuses] == ["held", "waitlisted", "waitlisted"]
    await db.execute("UPDATE order_items SET status = 'held' WHERE order_id = $1", cod)
    await db.execute("UPDATE live_stock SET quantity = 3, reserved = 3")

    await confirm(pool, lan, PaymentMethod.VIETQR)
    await confirm(pool, cod, PaymentMethod.COD)
    hours = await db.fetchval(
        "SELECT extract(epoch FROM payment_deadline - now()) / 3600 FROM orders WHERE id = $1", lan
    )
    assert 5.9 < hours <= 6  # the director's six hours
    assert await db.fetchval("SELECT payment_deadline FROM orders WHERE id = $1", cod) is None

    await arq_pool.flushdb()
    assert (await sweep_job(ctx))["payment_reminders"] == 0  # not half-way yet
    await db.execute("UPDATE orders SET payment_remind_at = now() - interval '1 second'")
    assert (await sweep_job(ctx))["payment_reminders"] == 1
    assert (await sweep_job(ctx))["payment_reminders"] == 0  # one, ever
    [job] = [j for j in await arq_pool.queued_jobs() if j.args[1] == "payment_reminder"]
    assert (job.function, list(job.args)) == (jobs.SEND_ORDER_MESSAGE, [lan, "payment_reminder"])
    await send_order_message_job(ctx, lan, "payment_reminder")
    await send_order_message_job(ctx, lan, "payment_reminder")  # redelivered: nothing new
    [body] = await db.fetch(
        "SELECT body FROM outbound_messages WHERE order_id = $1 AND body LIKE '%chuyển khoản%'",
        lan,
    )
    assert "cần chuyển khoản" in body[0] and "360.000 ₫" in body[0] and "/o/" in body[0]

    await db.execute("UPDATE orders SET payment_deadline = now() - interval '1 second'")
    result = await sweep_job(ctx)
    assert result["unpaid_expired"] == 1
    assert await db.fetchval("SELECT status FROM orders WHERE id = $1", lan) == "expired"
    assert await db.fetchval("SELECT status FROM orders WHERE id = $1", cod) == "confirmed"
    assert await db.fetchval("SELECT status FROM order_items WHERE order_id = $1", minh) == "held"
    assert await db.fetchval("SELECT reserved FROM live_stock") == 3
    event = await db.fetchrow(
        "SELECT actor, reason FROM order_events WHERE order_id = $1 AND to_status = 'expired'", lan
    )
    assert tuple(event) == ("system:payment-deadline", "quá hạn chuyển khoản")


async def test_a_paid_order_gets_no_reminder_and_never_expires(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    ctx: dict[str, Any] = {SETTINGS: confirmation_settings(settings), PG_POOL: pool,
                           "redis": arq_pool}  # fmt: skip
    shop = await shop_with_origins(db, stock={"A01": 5})
    lan = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01 x2")
    await confirm(pool, lan, PaymentMethod.VIETQR)
    await db.execute(
        "UPDATE orders SET paid_at = now(), payment_remind_at = now() - interval '2 hours', "
        "payment_deadline = now() - interval '1 hour'"
    )
    result = await sweep_job(ctx)
    assert (result["payment_reminders"], result["unpaid_expired"]) == (0, 0)
    assert await db.fetchval("SELECT status FROM orders WHERE id = $1", lan) == "confirmed"


async def test_an_order_holding_only_waitlisted_lines_cannot_be_confirmed(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await shop_with_origins(db, stock={"A01": 1})
    await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01")
    minh = await order_from_comments(db, pool, arq_pool, shop, "minh", "chốt A01 x2")
    assert await db.fetchval("SELECT status FROM order_items WHERE order_id = $1", minh) == (
        "waitlisted"
    )
    with pytest.raises(NothingHeldError) as refused:
        await confirm(pool, minh, PaymentMethod.COD)
    assert "danh sách chờ" in refused.value.buyer_message
    assert await db.fetchval("SELECT status FROM orders WHERE id = $1", minh) == (
        "awaiting_confirmation"
    )


async def test_the_buyer_page_asks_for_the_balance_by_the_deadline(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    own = confirmation_settings(settings)
    shop = await shop_with_origins(db, stock={"A01": 5})
    lan = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01 x2")
    await confirm(pool, lan, PaymentMethod.VIETQR)
    await db.execute(
        "INSERT INTO payments (tenant_id, transaction_id, amount_vnd, order_id, status) "
        "VALUES ($1, 'tx-1', 60000, $2, 'partial')", shop.tenant_id, lan,
    )  # fmt: skip
    await db.execute(
        "UPDATE orders SET payment_deadline = '2026-07-02 01:30+00' WHERE id = $1", lan
    )
    async with TestClient(TestServer(create_app(own))) as client:
        page = await (await client.get(f"/o/{order_token(own, lan)}")).text()
    assert "vui lòng chuyển 300.000 ₫ trước 08:30 ngày 02/07/2026" in page  # Vietnam time
    assert "Số tiền: <strong>300.000 ₫</strong> (đã nhận 60.000 ₫, còn thiếu)" in page


async def test_an_order_that_came_to_need_prepayment_gets_a_deadline_from_the_sweeper(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    ctx: dict[str, Any] = {SETTINGS: confirmation_settings(settings), PG_POOL: pool,
                           "redis": arq_pool}  # fmt: skip
    shop = await shop_with_origins(db, stock={"A01": 5})
    lan = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01 x2")
    await confirm(pool, lan, PaymentMethod.COD)
    assert (await sweep_job(ctx))["payment_deadlines_started"] == 0  # COD, nobody objects
    await db.execute(
        "INSERT INTO blocked_phones (tenant_id, phone, reason, blocked_by) "
        "VALUES ($1, '0912345678', 'bom hàng', 'test')", shop.tenant_id,
    )  # fmt: skip
    assert (await sweep_job(ctx))["payment_deadlines_started"] == 1
    assert (await sweep_job(ctx))["payment_deadlines_started"] == 0
    hours = await db.fetchval(
        "SELECT extract(epoch FROM payment_deadline - now()) / 3600 FROM orders WHERE id = $1", lan
    )
    assert 23.9 < hours <= 24
