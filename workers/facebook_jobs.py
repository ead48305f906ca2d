"""Thin jobs for Facebook: send one outbound message, with arq's retry on rate limits."""

from __future__ import annotations

import time
from typing import Any

import aiohttp
from arq import Retry

from aggregator.credentials.keyring import credential_cipher
from aggregator.platforms.facebook.outbound import send_job_id
from aggregator.platforms.facebook.sending import SendResult, send_outbound
from aggregator.runtime import jobs
from aggregator.runtime.ratelimit import acquire
from aggregator.settings import Settings
from connectors.facebook.graph import GraphClient
from schema.enums import Platform
from schema.queries import query
from workers.context import PG_POOL, SETTINGS

MAX_TRIES = 8
RATE_DEFER_S = 1.0


async def facebook_send_job(ctx: dict[str, Any], message_id: int) -> str:
    """Send outbound_messages row `message_id` once; rate limits and outages retry with backoff."""
    settings: Settings = ctx[SETTINGS]
    channel_id = await ctx[PG_POOL].fetchval(query("outbound_channel"), message_id)
    if channel_id is not None and not await acquire(
        ctx["redis"], f"chotdon:send-rate:{channel_id}", settings.facebook_send_per_s, max_wait_s=0
    ):
        # The Page's rate is used up this second. Waiting here would hold a worker slot that
        # merges need, and a Retry would spend a try: hand the send to a later job instead
        # (the outbound row's status keeps it to one send whatever runs).
        await ctx["redis"].enqueue_job(
            jobs.FACEBOOK_SEND, message_id,
            _job_id=f"{send_job_id(message_id)}:later:{time.time_ns()}", _defer_by=RATE_DEFER_S,
        )  # fmt: skip
        return "rate_limited"
    async with aiohttp.ClientSession() as http:
        outcome = await send_outbound(
            ctx[PG_POOL],
            GraphClient(http, settings.facebook_graph_url),
            credential_cipher(settings, Platform.FACEBOOK),
            message_id,
            final_attempt=ctx.get("job_try", 1) >= MAX_TRIES,
        )
    if outcome.result is SendResult.RETRY:
        raise Retry(defer=outcome.retry_in_s)
    return outcome.result.value
