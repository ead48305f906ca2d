"""Thin jobs for TikTok Shop and Zalo: read notified orders, sync shops, send CS messages.

Rate limits back off inside a job (1 s, 2 s, 4 s); still limited, the job retries later through
arq. A refused token disconnects the shop (staff see why) and ends the job.
"""

from __future__ import annotations

import time
from typing import Any

import aiohttp
import structlog
from arq import Retry

from aggregator.credentials.keyring import credential_cipher
from aggregator.ingest.pipeline import Ingestor
from aggregator.orders.platform import apply_platform_orders
from aggregator.outbound.outcome import SendResult
from aggregator.outbound.sending import send_stored
from aggregator.platforms.tiktok.orders import (
    Backoff,
    ShopAccess,
    disconnect,
    fetch_orders,
    shop_access,
    shop_client,
    sync_shop,
    sync_window,
)
from aggregator.runtime import jobs
from aggregator.settings import Settings
from connectors.errors import CredentialsError, RateLimitedError, TokenError, TransportError
from schema.enums import Platform
from schema.queries import query
from workers.context import PG_POOL, SETTINGS, job_http, platform_senders

log = structlog.get_logger()
BACKOFF = "tiktok_backoff"  # ctx key: tests shorten the waits
SYNC_EVERY_S = 300
SEND_MAX_TRIES = 8


def _retry(ctx: dict[str, Any], exc: Exception) -> Retry:
    defer = min(300, 10 * 2 ** max(0, ctx.get("job_try", 1) - 1))
    log.info("tiktok.job_retry", error=str(exc), defer_s=defer)
    return Retry(defer=defer)


async def _access(ctx: dict[str, Any], channel_id: int) -> ShopAccess | None:
    try:
        return await shop_access(
            ctx[PG_POOL], credential_cipher(ctx[SETTINGS], Platform.TIKTOK), channel_id
        )
    except CredentialsError as exc:
        log.warning("tiktok.shop_unusable", channel_id=channel_id, error=str(exc))
        return None


async def tiktok_fetch_orders_job(
    ctx: dict[str, Any], channel_id: int, order_ids: list[str]
) -> int:
    """Read the named orders of a shop and hand them to the ingest queue."""
    settings: Settings = ctx[SETTINGS]
    access = await _access(ctx, channel_id)
    if access is None:
        return 0
    backoff = ctx.get(BACKOFF, Backoff())
    try:
        async with aiohttp.ClientSession() as http, Ingestor(ctx[PG_POOL], ctx["redis"]) as ingest:
            return await fetch_orders(
                shop_client(http, settings), access, ingest, order_ids, backoff
            )
    except TokenError as exc:
        await disconnect(ctx[PG_POOL], access, exc)
        return 0
    except (RateLimitedError, TransportError) as exc:
        raise _retry(ctx, exc) from exc


async def tiktok_sync_shop_job(ctx: dict[str, Any], channel_id: int) -> int:
    """Every order of the shop updated since its last sync (minus an overlap)."""
    settings: Settings = ctx[SETTINGS]
    access = await _access(ctx, channel_id)
    if access is None:
        return 0
    window = sync_window(
        access, int(time.time()), settings.tiktok_sync_overlap_s, settings.tiktok_first_sync_s
    )
    backoff = ctx.get(BACKOFF, Backoff())
    try:
        async with aiohttp.ClientSession() as http, Ingestor(ctx[PG_POOL], ctx["redis"]) as ingest:
            client = shop_client(http, settings)
            return await sync_shop(ctx[PG_POOL], client, access, ingest, window, backoff)
    except TokenError as exc:
        await disconnect(ctx[PG_POOL], access, exc)
        return 0
    except (RateLimitedError, TransportError) as exc:
        raise _retry(ctx, exc) from exc


async def tiktok_sync_job(ctx: dict[str, Any]) -> int:
    """Cron: one sync job per connected shop, at most one per shop per period."""
    rows = await ctx[PG_POOL].fetch(query("tiktok_channels_to_sync"))
    bucket = int(time.time()) // SYNC_EVERY_S
    for row in rows:
        await ctx["redis"].enqueue_job(
            jobs.TIKTOK_SYNC_SHOP, row["id"], _job_id=f"tiktok-sync:{row['id']}:{bucket}"
        )
    return len(rows)


async def platform_send_job(ctx: dict[str, Any], message_id: int) -> str:
    """Send outbound_messages row `message_id` (TikTok CS or Zalo OA) at most once."""
    async with job_http(ctx) as http:
        outcome = await send_stored(
            ctx[PG_POOL], platform_senders(http, ctx[SETTINGS]), message_id, log_as="platform",
            final_attempt=ctx.get("job_try", 1) >= SEND_MAX_TRIES,
        )  # fmt: skip
    if outcome.result is SendResult.RETRY:
        raise Retry(defer=outcome.retry_in_s)
    return outcome.result.value


async def apply_platform_orders_job(ctx: dict[str, Any], channel_id: int) -> int:
    """Turn the shop's newly stored TikTok order states into orders of our queue."""
    stats = await apply_platform_orders(ctx[PG_POOL], channel_id)
    return stats.applied
