"""Thin jobs around the order queue: load nothing here, call aggregator, report."""

from __future__ import annotations

from typing import Any

import structlog

from aggregator.confirmation.deadlines import (
    expire_unpaid_orders,
    send_due_payment_reminders,
    start_late_deadlines,
)
from aggregator.confirmation.messages import enqueue_order_messages
from aggregator.confirmation.reminders import send_due_reminders
from aggregator.orders.merge import MergeConfig, merge_sessions, pending_sessions
from aggregator.settings import Settings
from workers.context import PG_POOL, SETTINGS
from workers.question_jobs import after_merge
from workers.sweeper import sweep

log = structlog.get_logger()


async def merge_session_job(
    ctx: dict[str, Any], session_id: int | None = None, shard: int = 0, shards: int = 1
) -> int:
    """Merge one session (the sweeper's and older jobs' form), or with no session every session
    of the shard with comments waiting (aggregator/ingest/merge_jobs.py)."""
    settings: Settings = ctx[SETTINGS]
    config = MergeConfig(confirm_window_s=settings.confirm_window_s)
    pool = ctx[PG_POOL]
    ids = [session_id] if session_id is not None else await pending_sessions(pool, shard, shards)
    stats = await merge_sessions(pool, ids, config)
    touched = set().union(*(s.orders_touched for s in stats.values()))
    if touched:  # after the commit: tell each buyer once per burst
        await enqueue_order_messages(ctx["redis"], touched, settings.buyer_message_delay_s)
    merged = {sid: s for sid, s in stats.items() if s.comments}
    for merged_session in merged:  # questions among them go to the inbox (and common ones answered)
        await after_merge(ctx, merged_session)
    if merged:
        log.info(
            "order.merged",
            sessions=sorted(merged),
            comments=sum(s.comments for s in merged.values()),
            repeats=sum(s.repeats for s in merged.values()),
            orders_created=sum(s.orders_created for s in merged.values()),
            orders_cancelled=sum(s.orders_cancelled for s in merged.values()),
        )
    return sum(s.comments for s in merged.values())


async def sweep_job(ctx: dict[str, Any]) -> dict[str, int]:
    settings: Settings = ctx[SETTINGS]
    reminded = await send_due_reminders(ctx[PG_POOL], ctx["redis"], settings.reminder_after_s)
    report = await sweep(ctx[PG_POOL], ctx["redis"])
    late_deadlines = await start_late_deadlines(ctx[PG_POOL])
    payment_reminders = await send_due_payment_reminders(ctx[PG_POOL], ctx["redis"])
    unpaid = await expire_unpaid_orders(ctx[PG_POOL])
    if unpaid.promoted:  # the next buyers in line got the stock: tell them
        await enqueue_order_messages(ctx["redis"], unpaid.promoted, settings.buyer_message_delay_s)
    return {
        "sessions_requeued": report.sessions_requeued,
        "orders_expired": report.orders_expired,
        "reminders": reminded,
        "payment_deadlines_started": late_deadlines,
        "payment_reminders": payment_reminders,
        "unpaid_expired": len(unpaid.expired),
    }
