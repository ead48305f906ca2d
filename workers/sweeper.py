"""What the database says is unfinished gets done: stale pending comments, overdue holds, buyer
messages whose send job was lost.

Redis only delivers work. If it lost a merge job (flushed, restarted) or a worker died holding one,
the comments are still 'pending' in Postgres, and this finds and re-enqueues them. The same holds
for a message still 'pending': its send job is enqueued again under its own job id, which arq
refuses while the job still exists (waiting, deferred for a retry, or running), so a message in
flight is not sent twice; the send itself also skips a row already marked sent.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
import structlog
from arq.connections import ArqRedis

from aggregator.dashboard.snapshot import fold_counters_on_air
from aggregator.ingest.merge_jobs import enqueue_merges
from aggregator.ingest.platform_order_jobs import requeue_unapplied_platform_orders
from aggregator.orders.loading import lock_session
from aggregator.orders.state import transition
from aggregator.orders.stock import release_orders
from aggregator.outbound.record import send_job_for
from aggregator.runtime.keyed import enqueue_keyed
from schema.queries import query
from schema.states import OrderStatus
from workers.context import outbound_send_jobs

log = structlog.get_logger()
STALE_AFTER_S = 2.0
MESSAGE_STALE_AFTER_S = 30.0
MESSAGE_BATCH = 1000
EXPIRY_BATCH = 500


@dataclass
class SweepReport:
    sessions_requeued: int = 0
    orders_expired: int = 0
    platform_shops_requeued: int = 0
    messages_requeued: int = 0


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
    sessions = await pool.fetch(query("sessions_with_overdue_orders"))
    expired = 0
    for row in sessions:
        expired += await _expire_in_session(pool, row["session_id"])
    return expired


async def _expire_in_session(pool: asyncpg.Pool, session_id: int | None) -> int:
    """Expire one live's overdue orders under that live's merge lock.

    Without the lock a merge that had read an order as open could add a held line to it after
    the expiry released its stock, leaving stock reserved on an expired order (the chaos run saw
    it). Lock order is the merge's own: the live's lock, then the order rows.
    """
    expired = 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            if session_id is not None:
                await lock_session(conn, session_id)
            rows = await conn.fetch(query("orders_past_deadline"), session_id, EXPIRY_BATCH)
            ids = [r["id"] for r in rows]
            if ids:
                await release_orders(conn, ids)
                moved = await transition(
                    conn, ids, OrderStatus.EXPIRED, actor="system:sweeper", reason="not confirmed"
                )
                expired += len(moved.moved)
        if len(ids) < EXPIRY_BATCH:
            return expired


async def requeue_stale_messages(
    pool: asyncpg.Pool, arq: ArqRedis, stale_after_s: float = MESSAGE_STALE_AFTER_S
) -> int:
    """Enqueue again the send job of messages pending too long; how many jobs were new."""
    rows = await pool.fetch(query("stale_pending_messages"), stale_after_s, MESSAGE_BATCH)
    send_jobs, requeued = outbound_send_jobs(), 0
    for row in rows:
        send_job = send_job_for(send_jobs, row["kind"])
        if send_job is None:  # not a platform's kind (the query asks only for those)
            continue
        # Refused only while the job waits, is deferred or runs (arq's record of a lost try is
        # cleared: runtime/keyed.py); that job sends it.
        job = await enqueue_keyed(
            arq, send_job.function, row["id"], job_id=send_job.job_id(row["id"])
        )
        requeued += job is not None
    if requeued:
        log.info("sweep.messages_requeued", messages=requeued)
    return requeued


async def sweep(
    pool: asyncpg.Pool, arq: ArqRedis, stale_after_s: float = STALE_AFTER_S
) -> SweepReport:
    report = SweepReport(
        sessions_requeued=await requeue_stale_comments(pool, arq, stale_after_s),
        orders_expired=await expire_overdue_orders(pool),
        platform_shops_requeued=await requeue_unapplied_platform_orders(pool, arq),
        messages_requeued=await requeue_stale_messages(pool, arq),
    )
    # The dashboard's counter rows (migration 0033) folded while no director watches.
    await fold_counters_on_air(pool)
    if report.orders_expired:
        log.info("sweep.expired", orders=report.orders_expired)
    return report
