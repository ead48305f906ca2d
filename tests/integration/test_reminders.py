"""Unconfirmed orders: one reminder after the configured time, then expiry frees the stock."""

from __future__ import annotations

import asyncpg
from arq.connections import ArqRedis

from aggregator.runtime import jobs
from aggregator.settings import Settings
from tests.support.confirmation import confirmation_settings, order_from_comments, shop_with_origins
from workers.confirmation_jobs import send_order_message_job
from workers.context import PG_POOL, SETTINGS
from workers.order_jobs import sweep_job


async def test_one_reminder_then_expiry_promotes_the_waitlist(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    own = confirmation_settings(settings, reminder_after_s=600)
    ctx = {SETTINGS: own, PG_POOL: pool, "redis": arq_pool}
    shop = await shop_with_origins(db, stock={"A01": 1})
    lan = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01")
    minh = await order_from_comments(db, pool, arq_pool, shop, "minh", "chốt A01")
    await arq_pool.flushdb()
    assert (await sweep_job(ctx))["reminders"] == 0  # too early
    await db.execute(
        "UPDATE orders SET created_at = now() - interval '11 minutes' WHERE id = ANY($1)",
        [lan, minh],
    )
    await db.execute("UPDATE orders SET status = 'confirmed' WHERE id = $1", minh)  # no reminder
    assert (await sweep_job(ctx))["reminders"] == 1
    assert (await sweep_job(ctx))["reminders"] == 0  # at most one, ever
    [job] = await arq_pool.queued_jobs()
    assert (job.function, list(job.args)) == (jobs.SEND_ORDER_MESSAGE, [lan, "reminder"])
    await send_order_message_job(ctx, lan, "reminder")
    await send_order_message_job(ctx, lan, "reminder")  # a redelivered job sends nothing new
    rows = await db.fetch("SELECT kind, body FROM outbound_messages WHERE order_id = $1", lan)
    assert len(rows) == 1 and "nhắc bạn" in rows[0]["body"] and "/o/" in rows[0]["body"]
    assert await db.fetchval("SELECT reminder_sent_at IS NOT NULL FROM orders WHERE id = $1", lan)
    # The deadline passes: the order expires, its unit goes to the next buyer in line.
    await db.execute("UPDATE orders SET status = 'awaiting_confirmation' WHERE id = $1", minh)
    assert await db.fetchval("SELECT status FROM order_items WHERE order_id = $1", minh) == (
        "waitlisted"
    )  # minh was second in line for the only unit
    await db.execute(
        "UPDATE orders SET confirm_deadline = now() - interval '1 second' WHERE id = $1", lan
    )
    result = await sweep_job(ctx)
    assert result["orders_expired"] == 1
    assert await db.fetchval("SELECT status FROM orders WHERE id = $1", lan) == "expired"
    assert await db.fetchval("SELECT status FROM order_items WHERE order_id = $1", minh) == "held"
    assert await db.fetchval("SELECT reserved FROM live_stock") == 1
    # An expired order gets no reminder and no message any more.
    assert await send_order_message_job(ctx, lan, "summary") is None
