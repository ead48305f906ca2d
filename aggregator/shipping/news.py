"""Delivery news for the buyer: the parcel was picked up, a delivery failed, it was delivered.

Applying a courier webhook records the news in `outbound_messages` (kind `shipment_<status>`, one
row per shipment and status, in the webhook's own transaction). This hands each recorded news item
to the buyer's platform through the same dispatch as the confirmation messages: a Messenger or Zalo
OA message (or a ZNS template to their phone outside Zalo's window), or an 'unsent' record for staff
where the platform has no way to write to the buyer. The dispatch is keyed by the news row's own
idempotency key, so handing the same item over twice (a crash before it is marked) sends nothing
twice.
"""

from __future__ import annotations

import time

import asyncpg
import structlog
from arq.connections import ArqRedis

from aggregator.confirmation.messages import Delivery, dispatch
from schema.queries import query

log = structlog.get_logger()
NEWS_BATCH = 200
# One sweep hands news over for at most this long, batch after batch: after a busy evening of
# deliveries the backlog drains in a few sweeps instead of 200 items per sweep, and the rest of
# the shipping sweep still runs on time.
NEWS_BUDGET_S = 15.0


async def hand_over_shipment_news(
    pool: asyncpg.Pool, arq: ArqRedis, budget_s: float = NEWS_BUDGET_S
) -> int:
    """Hand pending delivery-news items to the buyer's platform, batch after batch until none is
    left or the time budget is spent; returns how many."""
    deadline, handed = time.monotonic() + budget_s, 0
    while True:
        batch = await _hand_over_batch(pool, arq)
        handed += batch
        if batch < NEWS_BATCH or time.monotonic() > deadline:
            return handed


async def _hand_over_batch(pool: asyncpg.Pool, arq: ArqRedis) -> int:
    news = await pool.fetch(query("pending_shipment_news"), NEWS_BATCH)
    handed = 0
    for item in news:
        buyer = await pool.fetchrow(query("order_for_message"), item["order_id"])
        if buyer is None:
            continue
        message_id, channel_kind = await dispatch(
            pool, arq, buyer, Delivery(item["idempotency_key"], item["body"])
        )
        await pool.execute(query("mark_shipment_news_handed_over"), item["id"], message_id)
        log.info("shipment.news_sent", order_id=item["order_id"], kind=item["kind"],
                 channel=channel_kind)  # fmt: skip
        handed += 1
    return handed
