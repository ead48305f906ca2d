"""Messages and actions toward Facebook, sent at most once through outbound_messages.

The row is written first (status pending, unique idempotency key), then a job sends it and marks it
sent. A retried job finds 'sent' and stops. If a crash falls between the send and the mark, the
retry sends again and Facebook refuses a second private reply to the same comment
("already replied"): that refusal marks the row sent. Failures stay on the row (status failed,
last_error) for staff.

FacebookRouter is Facebook's side of the outbound port: the first message about an order is a
private reply to the comment that opened it (allowed once per comment, within 7 days), later ones
Messenger messages tagged as order updates; an order from a Messenger chat is answered in the chat.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import structlog
from arq.connections import ArqRedis

from aggregator.outbound.port import Buyer, BuyerMessage, Queued
from aggregator.outbound.record import Outgoing, SendJob, queue_outbound
from aggregator.platforms.facebook.pages import PageRef
from aggregator.runtime import jobs

log = structlog.get_logger()
PRIVATE_REPLY = "facebook.private_reply"
MESSAGE = "facebook.message"
HIDE_COMMENT = "facebook.hide_comment"
RESPONSE = "RESPONSE"
MESSAGE_TAG = "MESSAGE_TAG"
ORDER_UPDATE_TAG = "POST_PURCHASE_UPDATE"
# Facebook's own send job: it keeps to each Page's sending rate (workers/facebook_jobs.py).
SEND_JOB = SendJob(jobs.FACEBOOK_SEND, "facebook-send")


async def _queue(
    pool: asyncpg.Pool,
    arq: ArqRedis,
    page: PageRef,
    kind: str,
    key: str,
    body: str,
    target: dict[str, Any],
    order_id: int | None = None,
) -> int:
    outgoing = Outgoing(page.tenant_id, page.channel_id, kind, key, body, target, order_id)
    return await queue_outbound(pool, arq, outgoing, SEND_JOB)


async def queue_private_reply(
    pool: asyncpg.Pool,
    arq: ArqRedis,
    page: PageRef,
    comment_id: str,
    text: str,
    order_id: int | None = None,
) -> int:
    """One private reply per comment, ever: the comment id is the idempotency key."""
    key = f"facebook:private_reply:{page.page_id}:{comment_id}"
    return await _queue(
        pool, arq, page, PRIVATE_REPLY, key, text, {"comment_id": comment_id}, order_id
    )


async def queue_message(
    pool: asyncpg.Pool,
    arq: ArqRedis,
    page: PageRef,
    psid: str,
    text: str,
    *,
    key: str,
    within_24h: bool,
    order_id: int | None = None,
) -> int:
    """A Messenger message: RESPONSE inside the 24-hour window, else tagged as an order update."""
    target: dict[str, Any] = {"psid": psid, "messaging_type": RESPONSE}
    if not within_24h:
        target = {"psid": psid, "messaging_type": MESSAGE_TAG, "tag": ORDER_UPDATE_TAG}
    return await _queue(
        pool, arq, page, MESSAGE, f"facebook:message:{page.page_id}:{key}", text, target, order_id
    )


async def queue_hide_comment(
    pool: asyncpg.Pool, arq: ArqRedis, page: PageRef, comment_id: str
) -> int:
    """Hide a public comment that shows a phone number (the buyer still sees it, others do not)."""
    key = f"facebook:hide:{page.page_id}:{comment_id}"
    message_id = await _queue(pool, arq, page, HIDE_COMMENT, key, "", {"comment_id": comment_id})
    log.info("facebook.comment_hide_queued", page_id=page.page_id, comment_id=comment_id)
    return message_id


def _is_messenger_id(comment_id: str | None) -> bool:
    return comment_id is not None and comment_id.startswith(("m_", "mid."))


def _buyer_page(buyer: Buyer) -> PageRef:
    channel = buyer.channel
    return PageRef(
        channel_id=channel.id,
        tenant_id=channel.tenant_id,
        page_id=channel.external_id,
        name=channel.name,
        active=channel.active,
        hide_phone_comments=False,
        credentials_encrypted=channel.credentials_encrypted,
    )


class FacebookRouter:
    """A private reply to the opening comment first, then Messenger messages (port.BuyerRouter)."""

    async def queue(
        self, pool: asyncpg.Pool, arq: ArqRedis, buyer: Buyer, message: BuyerMessage
    ) -> Queued:
        page, comment_id = _buyer_page(buyer), buyer.first_comment_id
        if buyer.facebook_messages == 0 and comment_id and not _is_messenger_id(comment_id):
            mid = await queue_private_reply(
                pool, arq, page, comment_id, message.text, order_id=buyer.order_id
            )
            return Queued(mid, PRIVATE_REPLY)
        mid = await queue_message(
            pool, arq, page, buyer.user_id, message.text, key=message.key,
            within_24h=_is_messenger_id(comment_id), order_id=buyer.order_id,
        )  # fmt: skip
        return Queued(mid, MESSAGE)
