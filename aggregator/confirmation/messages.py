"""Tell the buyer about their order on the platform they came from, through the outbound machinery.

Facebook: the first message is a private reply to the comment that opened the order (allowed once
per comment, within 7 days), later ones Messenger messages tagged as order updates; an order from
a Messenger chat is answered in the chat. Zalo: an OA customer-service message. TikTok Shop's API
needs a conversation id we do not have for a live commenter, and relay or manual channels have no
sender: those messages are written as 'unsent', with the reason, for staff to send by hand.

Idempotency: a summary's key is the order plus a digest of its lines, so the same content is never
sent twice and a changed order gets one new message; there is one reminder key per order.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import asyncpg
import structlog
from arq.connections import ArqRedis

from aggregator.channels.directory import ChannelRef
from aggregator.confirmation.links import order_link
from aggregator.confirmation.summary import reminder_text, summary_text
from aggregator.confirmation.view import EDITABLE, OrderPage, load_order_page
from aggregator.ingest.buckets import enqueue_per_bucket
from aggregator.orders.state import EventRow, record_events
from aggregator.platforms.facebook import outbound as facebook
from aggregator.platforms.facebook.pages import PageRef
from aggregator.platforms.zalo.zns import (
    ZALO_MESSAGE,
    ZALO_ZNS,
    ZaloRecipient,
    ZaloRoute,
    queue_zalo_order_update,
)
from aggregator.runtime import jobs
from aggregator.settings import Settings
from schema.enums import Platform
from schema.queries import query

log = structlog.get_logger()
UNSENT_KIND = "order.message"


class MessageKind(StrEnum):
    SUMMARY = "summary"
    REMINDER = "reminder"


@dataclass(frozen=True, slots=True)
class Delivery:
    key: str
    text: str


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


def _facebook_page(row: Any) -> PageRef:
    return PageRef(
        channel_id=row["channel_id"],
        tenant_id=row["tenant_id"],
        page_id=row["external_id"],
        name=row["channel_name"],
        active=row["channel_status"] == "active",
        hide_phone_comments=False,
        credentials_encrypted=row["credentials_encrypted"],
    )


def _channel(row: Any) -> ChannelRef:
    return ChannelRef(
        id=row["channel_id"],
        tenant_id=row["tenant_id"],
        external_id=row["external_id"],
        name=row["channel_name"],
        active=row["channel_status"] == "active",
        settings=dict(row["settings"] or {}),
        credentials_encrypted=row["credentials_encrypted"],
    )


def _is_messenger_id(comment_id: str | None) -> bool:
    return comment_id is not None and comment_id.startswith(("m_", "mid."))


async def _send_facebook(
    pool: asyncpg.Pool, arq: ArqRedis, row: Any, delivery: Delivery
) -> tuple[int, str]:
    page, comment_id = _facebook_page(row), row["first_comment_id"]
    if row["facebook_messages"] == 0 and comment_id and not _is_messenger_id(comment_id):
        mid = await facebook.queue_private_reply(
            pool, arq, page, comment_id, delivery.text, order_id=row["id"]
        )
        return mid, facebook.PRIVATE_REPLY
    mid = await facebook.queue_message(
        pool, arq, page, row["external_user_id"], delivery.text, key=delivery.key,
        within_24h=_is_messenger_id(comment_id), order_id=row["id"],
    )  # fmt: skip
    return mid, facebook.MESSAGE


async def _record_unsent(
    pool: asyncpg.Pool, row: Any, delivery: Delivery, reason: str
) -> tuple[int, str]:
    message_id = await pool.fetchval(
        query("record_unsent_message"), row["tenant_id"], row["channel_id"],
        row["buyer_identity_id"], row["id"], UNSENT_KIND, f"{row['platform']}:{delivery.key}",
        delivery.text, {"user_id": row["external_user_id"]}, reason,
    )  # fmt: skip
    return int(message_id or 0), UNSENT_KIND


async def _send_zalo(
    pool: asyncpg.Pool, arq: ArqRedis, row: Any, delivery: Delivery
) -> tuple[int, str]:
    """An OA message while the buyer is in Zalo's window, else a ZNS template to their phone."""
    last = row["last_message_at"]
    recipient = ZaloRecipient(
        row["external_user_id"], float(last) if last is not None else None, row["buyer_phone"]
    )
    data = {"order_code": row["order_no"], "customer_name": row["display_name"] or ""}
    route, mid = await queue_zalo_order_update(
        pool,
        arq,
        _channel(row),
        row["id"],
        delivery.key,
        recipient,
        delivery.text,
        data,
        time.time(),
    )
    if mid is None:
        reason = "not sent: the buyer left Zalo's message window and no phone or ZNS template"
        return await _record_unsent(pool, row, delivery, reason)
    return mid, ZALO_ZNS if route is ZaloRoute.ZNS else ZALO_MESSAGE


async def dispatch(
    pool: asyncpg.Pool, arq: ArqRedis, row: Any, delivery: Delivery
) -> tuple[int, str]:
    """Queue the message on the buyer's platform; returns (outbound message id, kind)."""
    platform = Platform(row["platform"])
    if platform is Platform.FACEBOOK:
        return await _send_facebook(pool, arq, row, delivery)
    if platform is Platform.ZALO:
        return await _send_zalo(pool, arq, row, delivery)
    if platform is Platform.TIKTOK:
        reason = "not yet sent: TikTok needs a customer-service conversation id for this buyer"
    else:
        reason = f"not yet sent: no sender for {platform.value} channels; staff send it by hand"
    return await _record_unsent(pool, row, delivery, reason)


def _delivery(settings: Settings, page: OrderPage, row: Any, kind: MessageKind) -> Delivery:
    link = order_link(settings, page.id)
    if kind is MessageKind.REMINDER:
        return Delivery(f"order:{page.id}:reminder", reminder_text(page, link))
    name = str(row["display_name"] or "").split(" ")[-1]  # Vietnamese given name comes last
    return Delivery(f"order:{page.id}:summary:{page.digest}", summary_text(page, name, link))


async def send_order_message(
    pool: asyncpg.Pool, arq: ArqRedis, settings: Settings, order_id: int, kind: MessageKind
) -> int | None:
    """Compose and queue the message about this order now; None when there is nothing to say."""
    if settings.app_secret is None:  # links cannot be signed: say so once per order, send nothing
        log.warning("order.buyer_message_skipped", order_id=order_id, reason="no app secret")
        return None
    row = await pool.fetchrow(query("order_for_message"), order_id)
    async with pool.acquire() as conn:
        page = await load_order_page(conn, order_id)
    if row is None or page is None or page.status not in EDITABLE or not page.lines:
        return None
    delivery = _delivery(settings, page, row, kind)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(query("lock_order_messages"), order_id)
        if await conn.fetchval(query("order_message_recorded"), order_id, delivery.key):
            return None  # this content (or this reminder) was already queued
        message_id, channel_kind = await dispatch(pool, arq, row, delivery)
        event = EventRow(
            page.tenant_id, page.id, "system:confirmation", "buyer_messaged",
            reason=f"{kind.value} to the buyer",
            data={"kind": kind.value, "key": delivery.key, "channel": channel_kind,
                  "message_id": message_id},
        )  # fmt: skip
        await record_events(conn, [event])
    log.info("order.buyer_messaged", order_id=order_id, kind=kind.value, channel=channel_kind)
    return message_id
