"""Thin jobs for Facebook: send one outbound message, with arq's retry on rate limits."""

from __future__ import annotations

import time
from typing import Any

from arq import Retry

from aggregator.outbound.outcome import SendResult
from aggregator.outbound.sending import send_stored
from aggregator.platforms.facebook.outbound import SEND_JOB
from aggregator.runtime import jobs
from aggregator.runtime.ratelimit import slot_or_turn
from aggregator.settings import Settings
from schema.queries import query
from workers.context import PG_POOL, SETTINGS, facebook_senders, job_http

MAX_TRIES = 8


async def facebook_send_job(ctx: dict[str, Any], message_id: int) -> str:
    """Send outbound_messages row `message_id` once; rate limits and outages retry with backoff."""
    settings: Settings = ctx[SETTINGS]
    channel_id = await ctx[PG_POOL].fetchval(query("outbound_channel"), message_id)
    turn = 0.0
    if channel_id is not None:
        key = f"chotdon:send-rate:{channel_id}"
        turn = await slot_or_turn(ctx["redis"], key, settings.facebook_send_per_s)
    if turn > 0:
        # The Page's rate is used up this second. Waiting here would hold a worker slot that
        # merges need, and a Retry would spend a try: hand the send to a later job, at this
        # send's turn (the outbound row's status keeps it to one send whatever runs).
        await ctx["redis"].enqueue_job(
            jobs.FACEBOOK_SEND, message_id,
            _job_id=f"{SEND_JOB.job_id(message_id)}:later:{time.time_ns()}", _defer_by=turn,
        )  # fmt: skip
        return "rate_limited"
    async with job_http(ctx) as http:
        outcome = await send_stored(
            ctx[PG_POOL], facebook_senders(http, settings), message_id, log_as="facebook",
            final_attempt=ctx.get("job_try", 1) >= MAX_TRIES,
        )  # fmt: skip
    if outcome.result is SendResult.RETRY:
        raise Retry(defer=outcome.retry_in_s)
    return outcome.result.value
