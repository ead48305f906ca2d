"""Thin jobs for orders TikTok ships: arrange the shipment and keep the label, and a sweeper
for those a lost job left behind (aggregator/platforms/tiktok/fulfilment.py)."""

from __future__ import annotations

from typing import Any

import aiohttp
import structlog
from arq import Retry

from aggregator.credentials.keyring import credential_cipher
from aggregator.platforms.tiktok.fulfilment import Fulfiller, enqueue_fulfilment, fulfil_order
from aggregator.platforms.tiktok.orders import Backoff, shop_client
from connectors.errors import ConnectorError, CredentialsError
from schema.enums import Platform
from schema.queries import query
from workers.context import PG_POOL, SETTINGS
from workers.platform_jobs import BACKOFF

log = structlog.get_logger()
SWEEP_AFTER_S = 60  # a packed TikTok order untouched this long without its label is re-enqueued
SWEEP_BATCH = 200
MAX_TRIES = 12


async def tiktok_fulfil_job(ctx: dict[str, Any], order_id: int) -> str:
    """Tell TikTok the packed order is ready and store its label; retried on platform errors."""
    settings = ctx[SETTINGS]
    try:
        async with aiohttp.ClientSession() as http:
            fulfiller = Fulfiller(
                ctx[PG_POOL], credential_cipher(settings, Platform.TIKTOK),
                shop_client(http, settings), http, ctx.get(BACKOFF, Backoff()),
            )  # fmt: skip
            return (await fulfil_order(fulfiller, order_id)).value
    except CredentialsError as exc:  # the shop is disconnected: staff reconnect it, sweeper resumes
        await _note(ctx, order_id, exc)
        return "no_shop"
    except ConnectorError as exc:
        await _note(ctx, order_id, exc)
        defer = min(300, 5 * 2 ** max(0, ctx.get("job_try", 1) - 1))
        raise Retry(defer=defer) from exc


async def _note(ctx: dict[str, Any], order_id: int, exc: Exception) -> None:
    log.warning("tiktok.fulfil_failed", order_id=order_id, error=str(exc)[:300])
    await ctx[PG_POOL].execute(query("note_tiktok_fulfilment_error"), order_id, str(exc)[:500])


async def sweep_tiktok_fulfilments_job(ctx: dict[str, Any]) -> int:
    """Cron: packed orders TikTok ships whose label chotdon does not hold get their job again."""
    rows = await ctx[PG_POOL].fetch(
        query("unfinished_tiktok_fulfilments"), SWEEP_AFTER_S, SWEEP_BATCH
    )
    for row in rows:
        await enqueue_fulfilment(ctx["redis"], row["id"])
    return len(rows)
