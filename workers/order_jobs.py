"""Thin jobs around the order queue: load nothing here, call aggregator, report."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from typing import Any

import structlog

from aggregator.confirmation.deadlines import (
    expire_unpaid_orders,
    send_due_payment_reminders,
    start_late_deadlines,
)
from aggregator.confirmation.messages import enqueue_order_messages
from aggregator.confirmation.reminders import send_due_reminders
from aggregator.ingest.merge_jobs import RoundTiming, enqueue_merges, merge_shard, record_round
from aggregator.orders.merge import MergeConfig, MergeStats, merge_sessions, merge_waiting
from aggregator.runtime.db import Connection
from aggregator.settings import Settings
from workers.context import PG_POOL, SETTINGS
from workers.merge_runner import run_shard
from workers.question_jobs import after_merge
from workers.sweeper import sweep

log = structlog.get_logger()


async def merge_session_job(
    ctx: dict[str, Any], session_id: int | None = None, shard: int = 0, shards: int = 1
) -> int:
    """Merge one session (the sweeper's and older jobs' form), or with no session run the shard's
    rounds while any of its sessions has comments waiting (workers/merge_runner.py), unless
    another job runs them already. Returns the comments this job merged."""
    settings: Settings = ctx[SETTINGS]
    config = MergeConfig(confirm_window_s=settings.confirm_window_s)
    followups = FollowUps()
    try:
        if session_id is not None:
            merge_one = merge_sessions(ctx[PG_POOL], [session_id], config)
            return await _merge_round(ctx, merge_one, merge_shard(session_id), followups)

        async def merge_round(conn: Connection, waiting: dict[int, int]) -> int:
            return await _merge_round(ctx, merge_waiting(conn, waiting, config), shard, followups)

        outcome = await run_shard(ctx[PG_POOL], shard, shards, merge_round)
    finally:  # a failed round still tells the buyers of the rounds committed before it
        await followups.wait()
    if outcome.left:  # the run's time is up: a fresh job of the shard takes over
        await enqueue_merges(ctx["redis"], outcome.left)
    return outcome.comments


class FollowUps:
    """What a committed round sets off (buyer messages, question filing) runs while the shard's
    next round merges, one round's after another's: the runner measured 180-320 ms between its
    rounds of a busy live doing it in line, a wait every comment arriving meanwhile paid."""

    def __init__(self) -> None:
        self._running: asyncio.Task[None] | None = None

    async def add(self, work: Coroutine[Any, Any, None]) -> None:
        await self.wait()  # the round before's: done by now, unless this round was quicker
        self._running = asyncio.create_task(work)

    async def wait(self) -> None:
        running, self._running = self._running, None
        if running is not None:
            await running


async def _merge_round(
    ctx: dict[str, Any],
    merging: Coroutine[Any, Any, dict[int, MergeStats]],
    shard: int,
    followups: FollowUps,
) -> int:
    """Run this merge of sessions' waiting comments; then tell buyers and file questions."""
    settings: Settings = ctx[SETTINGS]
    started = time.time()
    stats = await merging
    merged = {sid: s for sid, s in stats.items() if s.comments}
    comments = sum(s.comments for s in merged.values())
    if settings.bench_merge_rounds_key:  # the ingest bench's latency breakdown
        await record_round(ctx["redis"], settings.bench_merge_rounds_key,
                           RoundTiming(shard, started, time.time(), comments))  # fmt: skip
    if merged:
        log.info(
            "order.merged",
            sessions=sorted(merged),
            comments=comments,
            repeats=sum(s.repeats for s in merged.values()),
            orders_created=sum(s.orders_created for s in merged.values()),
            orders_cancelled=sum(s.orders_cancelled for s in merged.values()),
        )
    touched = set().union(*(s.orders_touched for s in stats.values()))
    spans = {sid: (s.first_comment, s.last_comment) for sid, s in sorted(merged.items())}
    await followups.add(_after_round(ctx, touched, spans))
    return comments


async def _after_round(
    ctx: dict[str, Any], touched: set[int], merged: dict[int, tuple[int, int]]
) -> None:
    """After the commit: tell each buyer once per burst; questions go to the inbox (and common
    ones are answered)."""
    if touched:
        await enqueue_order_messages(ctx["redis"], touched, ctx[SETTINGS].buyer_message_delay_s)
    await after_merge(ctx, merged)


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
