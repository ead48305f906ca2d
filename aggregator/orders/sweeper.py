"""What the database says is unfinished gets done: stale pending comments, overdue holds.

Redis only delivers work. If it lost a merge job (flushed, restarted) or a worker died holding one,
the comments are still 'pending' in Postgres, and this finds and re-enqueues them.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
import structlog
from arq.connections import ArqRedis

from aggregator.ingest.merge_jobs import enqueue_merges
from aggregator.ingest.platform_order_jobs import requeue_unapplied_platform_orders
from aggregator.orders.state import transition
from aggregator.orders.stock import release_orders
from schema.queries import query
from schema.states import OrderStatus

log = structlog.get_logger()
STALE_AFTER_S = 2.0
EXPIRY_BATCH = 500


@dataclass
class SweepReport:
    sessions_requeued: int = 0
    orders_expired: int = 0
    platform_shops_requeued: int = 0


async def requeue_stale_comments(
    pool: asyncpg.Pool, arq: ArqRedis, stale_after_s: float = STALE_AFTER_S
) -> int:
    rows = await pool.fetch(query("sessions_with_stale_pending_comments"), stale_after_s)
    if rows:
        await enqueue_merges(arq, [r["session_id"] for r in rows])
        log.info("sweep.requeued", sessions=len(rows), comments=sum(r["pending"] for r in rows))
    return len(rows)


async def expire_overdue_orders(pool: asyncpg.Pool) -> int:
    """Unconfirmed orders past their deadline expire; their stock goes to the waitlist."""
    expired = 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            ids = [r["id"] for r in await conn.fetch(query("orders_past_deadline"), EXPIRY_BATCH)]
            if ids:
                await release_orders(conn, ids)
                moved = await transition(
                    conn, ids, OrderStatus.EXPIRED, actor="system:sweeper", reason="not confirmed"
                )
                expired += len(moved.moved)
        if len(ids) < EXPIRY_BATCH:
            return expired


async def sweep(
    pool: asyncpg.Pool, arq: ArqRedis, stale_after_s: float = STALE_AFTER_S
) -> SweepReport:
    report = SweepReport(
        sessions_requeued=await requeue_stale_comments(pool, arq, stale_after_s),
        orders_expired=await expire_overdue_orders(pool),
        platform_shops_requeued=await requeue_unapplied_platform_orders(pool, arq),
    )
    if report.orders_expired:
        log.info("sweep.expired", orders=report.orders_expired)
    return report
