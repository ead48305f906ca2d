"""Delivery news for the buyer: the parcel was picked up, a delivery failed, it was delivered.

Applying a courier webhook records the news in `outbound_messages` (kind `shipment_<status>`, one
row per shipment and status, in the webhook's own transaction). This hands each recorded news item
to the buyer's platform through the outbound port, like the confirmation messages: a Messenger or
Zalo OA message (or a ZNS template to their phone outside Zalo's window), or an 'unsent' record for
staff where the platform has no way to write to the buyer; the routers registry the caller passes
in decides. The message is keyed by the news row's own idempotency key, so handing the same item
over twice (a crash before it is marked) sends nothing twice.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable

import asyncpg
import structlog
from arq.connections import ArqRedis

from aggregator.outbound.buyers import load_buyer, queue_for_buyer
from aggregator.outbound.port import Buyer, BuyerMessage, Routers
from schema.queries import query

log = structlog.get_logger()
NEWS_BATCH = 200
# One run hands news over for at most this long, batch after batch (the job runs every 10 s):
# after a busy evening of deliveries the backlog drains in a few runs, and one run never holds
# the worker's connections for long.
NEWS_BUDGET_S = 8.0
NEWS_ORDERS_AT_ONCE = 4
DELIVERED_NEWS = "shipment_delivered"
NO_BUYER = "not sent: the order has no buyer on a platform to write to; staff tell the buyer"
ReturnLink = Callable[[int], str]  # the worker's pool is shared with its other jobs


async def hand_over_shipment_news(
    pool: asyncpg.Pool, arq: ArqRedis, routers: Routers, budget_s: float = NEWS_BUDGET_S,
    *, return_link: ReturnLink | None = None,
) -> int:  # fmt: skip
    """Hand pending delivery-news items to the buyer's platform, batch after batch until none is
    left or the time budget is spent; returns how many. `return_link`: order id -> the link to
    its return page, added to the delivered news (returns, issue 22)."""
    deadline, handed = time.monotonic() + budget_s, 0
    while True:
        batch = await _hand_over_batch(pool, arq, routers, return_link)
        handed += batch
        if batch < NEWS_BATCH or time.monotonic() > deadline:
            return handed


async def _hand_over_batch(
    pool: asyncpg.Pool, arq: ArqRedis, routers: Routers, return_link: ReturnLink | None
) -> int:
    """One batch, several orders at once: each order's news in its recorded order (picked up
    before delivered), the orders side by side, within a few of the pool's connections."""
    by_order: dict[int, list[asyncpg.Record]] = defaultdict(list)
    for item in await pool.fetch(query("pending_shipment_news"), NEWS_BATCH):
        by_order[item["order_id"]].append(item)
    gate = asyncio.Semaphore(NEWS_ORDERS_AT_ONCE)

    async def one_order(order_id: int, items: list[asyncpg.Record]) -> int:
        async with gate:
            buyer = await load_buyer(pool, order_id)
            if buyer is None:
                await _leave_to_staff(pool, order_id, items)
                return len(items)
            for item in items:
                await _hand_over(pool, arq, routers, buyer, item, return_link)
            return len(items)

    return sum(await asyncio.gather(*(one_order(o, items) for o, items in by_order.items())))


async def _leave_to_staff(pool: asyncpg.Pool, order_id: int, items: list[asyncpg.Record]) -> None:
    for item in items:
        await pool.execute(query("mark_shipment_news_unsent"), item["id"], NO_BUYER)
    log.warning("shipment.news_unsent", order_id=order_id, items=len(items))


async def _hand_over(
    pool: asyncpg.Pool, arq: ArqRedis, routers: Routers, buyer: Buyer, item: asyncpg.Record,
    return_link: ReturnLink | None = None,
) -> None:  # fmt: skip
    body = item["body"]
    if return_link is not None and item["kind"] == DELIVERED_NEWS:
        body += f" Hàng có vấn đề? Yêu cầu trả hàng tại: {return_link(item['order_id'])}"
    message = BuyerMessage(item["idempotency_key"], body)
    queued = await queue_for_buyer(pool, arq, routers, buyer, message)
    await pool.execute(query("mark_shipment_news_handed_over"), item["id"], queued.message_id)
    log.info("shipment.news_sent", order_id=item["order_id"], kind=item["kind"],
             channel=queued.kind)  # fmt: skip
