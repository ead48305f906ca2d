"""Thin jobs for Facebook: send one outbound message, with arq's retry on rate limits."""

from __future__ import annotations

from typing import Any

import aiohttp
from arq import Retry

from aggregator.facebook.sending import SendResult, send_outbound
from aggregator.facebook.tokens import token_cipher
from aggregator.ratelimit import acquire
from aggregator.settings import Settings
from connectors.facebook.graph import GraphClient
from schema.queries import query
from workers.context import PG_POOL, SETTINGS

MAX_TRIES = 8


async def facebook_send_job(ctx: dict[str, Any], message_id: int) -> str:
    """Send outbound_messages row `message_id` once; rate limits and outages retry with backoff."""
    settings: Settings = ctx[SETTINGS]
    channel_id = await ctx[PG_POOL].fetchval(query("outbound_channel"), message_id)
    if channel_id is not None and not await acquire(
        ctx["redis"], f"chotdon:send-rate:{channel_id}", settings.facebook_send_per_s
    ):
        raise Retry(defer=1)  # the page's sending rate is used up: try again in a moment
    async with aiohttp.ClientSession() as http:
        outcome = await send_outbound(
            ctx[PG_POOL],
            GraphClient(http, settings.facebook_graph_url),
            token_cipher(settings),
            message_id,
            final_attempt=ctx.get("job_try", 1) >= MAX_TRIES,
        )
    if outcome.result is SendResult.RETRY:
        raise Retry(defer=outcome.retry_in_s)
    return outcome.result.value
