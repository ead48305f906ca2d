"""Thin courier jobs: book a packed order's parcel, sweep unshipped orders, hand delivery news to
buyers, poll overdue parcels."""

from __future__ import annotations

from functools import partial
from typing import Any

from arq import Retry

from aggregator.confirmation.links import return_link
from aggregator.platforms.tiktok.fulfilment import enqueue_fulfilment
from aggregator.shipping.handoff import Outcome, create_shipment, sweep_unshipped
from aggregator.shipping.news import hand_over_shipment_news
from aggregator.shipping.polling import poll_overdue
from connectors.couriers.errors import CourierTimeoutError, CourierUnavailableError
from workers.context import COURIERS, PG_POOL, SETTINGS, outbound_routers

RETRY_BASE_S = 0.5
RETRY_MAX_S = 300.0


def retry_delay(job_try: int) -> float:
    return float(min(RETRY_BASE_S * 2 ** (job_try - 1), RETRY_MAX_S))


async def create_shipment_job(ctx: dict[str, Any], order_id: int) -> str:
    try:
        outcome = await create_shipment(
            ctx[PG_POOL], ctx[COURIERS], order_id,
            poll_after_s=ctx[SETTINGS].courier_poll_after_s,
        )  # fmt: skip
    except (CourierTimeoutError, CourierUnavailableError) as exc:
        # The next try looks the parcel up by client order code before creating anything.
        raise Retry(defer=retry_delay(ctx.get("job_try", 1))) from exc
    if outcome is Outcome.PLATFORM:  # TikTok ships it: tell TikTok, fetch its label
        await enqueue_fulfilment(ctx["redis"], order_id)
    return outcome.value


async def sweep_shipments_job(ctx: dict[str, Any]) -> int:
    """Re-book packed orders a lost job left behind."""
    return await sweep_unshipped(ctx[PG_POOL], ctx["redis"])


async def shipment_news_job(ctx: dict[str, Any]) -> int:
    """Tell buyers their parcels' news (picked up, a failed attempt, delivered)."""
    settings = ctx[SETTINGS]
    link = partial(return_link, settings) if settings.app_secret is not None else None
    return await hand_over_shipment_news(
        ctx[PG_POOL], ctx["redis"], outbound_routers(), return_link=link
    )


async def poll_shipments_job(ctx: dict[str, Any]) -> int:
    return await poll_overdue(ctx[PG_POOL], ctx[COURIERS])
