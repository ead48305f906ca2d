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
from aggregator.orders.merge import MergeConfig, merge_session
from aggregator.settings import Settings
from workers.context import PG_POOL, SETTINGS
from workers.question_jobs import after_merge
from workers.sweeper import sweep

log = structlog.get_logger()


async def merge_session_job(ctx: dict[str, Any], session_id: int) -> int:
    settings: Settings = ctx[SETTINGS]
    config = MergeConfig(confirm_window_s=settings.confirm_window_s)
    stats = await merge_session(ctx[PG_POOL], session_id, config)
    if stats.orders_touched:  # after the commit: tell each buyer once per burst
        await enqueue_order_messages(
            ctx["redis"], stats.orders_touched, settings.buyer_message_delay_s
        )
    if stats.comments:  # questions among them go to the inbox (and the common ones answered)
        await after_merge(ctx, session_id)
        log.info(
            "order.merged",
            session_id=session_id,
            comments=stats.comments,
            repeats=stats.repeats,
            orders_created=stats.orders_created,
            orders_cancelled=stats.orders_cancelled,
        )
    return stats.comments


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
