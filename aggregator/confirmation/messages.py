"""Tell the buyer about their order on the platform they came from, through the outbound port.

How a message reaches the buyer is the platform's business (a Facebook private reply or Messenger
message, a Zalo OA message or ZNS template, or an 'unsent' record for staff where the platform
cannot write to the buyer): the routers registry the caller passes in decides, so this module
knows no platform.

Idempotency: a summary's key is the order plus a digest of its lines, so the same content is never
sent twice and a changed order gets one new message; there is one reminder key per order.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

import asyncpg
import structlog
from arq.connections import ArqRedis

from aggregator.confirmation.links import order_link
from aggregator.confirmation.summary import payment_reminder_text, reminder_text, summary_text
from aggregator.confirmation.view import EDITABLE, OrderPage, load_order_page
from aggregator.ingest.buckets import enqueue_per_bucket
from aggregator.orders.state import EventRow, record_events
from aggregator.outbound.buyers import load_buyer, queue_for_buyer
from aggregator.outbound.port import Buyer, BuyerMessage, Routers
from aggregator.outbound.sends import SendsAfterCommit
from aggregator.runtime import jobs
from aggregator.settings import Settings
from schema.queries import query
from schema.states import OrderStatus

log = structlog.get_logger()


class MessageKind(StrEnum):
    SUMMARY = "summary"
    REMINDER = "reminder"
    PAYMENT_REMINDER = "payment_reminder"  # a confirmed order that must prepay, still unpaid


# When each kind still has something to say: a payment reminder is about a confirmed order.
SPEAKS_WHEN = {
    MessageKind.SUMMARY: EDITABLE,
    MessageKind.REMINDER: EDITABLE,
    MessageKind.PAYMENT_REMINDER: frozenset({OrderStatus.CONFIRMED}),
}


def message_job_id(order_id: int, kind: MessageKind, bucket: int) -> str:
    return f"order-message:{order_id}:{kind.value}:{bucket}"


async def enqueue_order_messages(
    arq: ArqRedis,
    order_ids: Iterable[int],
    delay_s: float,
    kind: MessageKind = MessageKind.SUMMARY,
) -> int:
    """One message job per order per time bucket, run at the bucket's end: a burst of comments
    (many merges) becomes one message with the final state. Returns how many jobs were new."""
    return await enqueue_per_bucket(
        arq,
        jobs.SEND_ORDER_MESSAGE,
        order_ids,
        bucket_s=delay_s,
        job_id=lambda order_id, bucket: message_job_id(order_id, kind, bucket),
        args=lambda order_id: (order_id, kind.value),
    )


def _message(settings: Settings, page: OrderPage, buyer: Buyer, kind: MessageKind) -> BuyerMessage:
    link = order_link(settings, page.id)
    if kind is MessageKind.REMINDER:
        return BuyerMessage(f"order:{page.id}:reminder", reminder_text(page, link))
    if kind is MessageKind.PAYMENT_REMINDER:
        return BuyerMessage(f"order:{page.id}:payment_reminder", payment_reminder_text(page, link))
    name = buyer.display_name.split(" ")[-1]  # Vietnamese given name comes last
    return BuyerMessage(f"order:{page.id}:summary:{page.digest}", summary_text(page, name, link))


async def send_order_message(
    pool: asyncpg.Pool,
    arq: ArqRedis,
    settings: Settings,
    routers: Routers,
    order_id: int,
    kind: MessageKind,
) -> int | None:
    """Compose and queue the message about this order now; None when there is nothing to say."""
    if settings.app_secret is None:  # links cannot be signed: say so once per order, send nothing
        log.warning("order.buyer_message_skipped", order_id=order_id, reason="no app secret")
        return None
    buyer = await load_buyer(pool, order_id)
    async with pool.acquire() as conn:
        page = await load_order_page(conn, order_id)
    if buyer is None or page is None or page.status not in SPEAKS_WHEN[kind] or not page.lines:
        return None
    if kind is MessageKind.PAYMENT_REMINDER and page.paid_at is not None:
        return None  # paid since the reminder was claimed
    message = _message(settings, page, buyer, kind)
    # The message is stored on the connection that holds the order's lock, in its transaction: a
    # second connection taken while holding the first deadlocked as many composers as the pool
    # has connections. Its send job waits for the commit.
    sends = SendsAfterCommit()
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(query("lock_order_messages"), order_id)
        if await conn.fetchval(query("order_message_recorded"), order_id, message.key):
            return None  # this content (or this reminder) was already queued
        queued = await queue_for_buyer(conn, sends, routers, buyer, message)
        event = EventRow(
            page.tenant_id, page.id, "system:confirmation", "buyer_messaged",
            reason=f"{kind.value} to the buyer",
            data={"kind": kind.value, "key": message.key, "channel": queued.kind,
                  "message_id": queued.message_id},
        )  # fmt: skip
        await record_events(conn, [event])
    await sends.enqueue(arq)
    log.info("order.buyer_messaged", order_id=order_id, kind=kind.value, channel=queued.kind)
    return queued.message_id
