"""Messages and actions toward Facebook, sent at most once through outbound_messages.

The row is written first (status pending, unique idempotency key), then a job sends it and marks it
sent. A retried job finds 'sent' and stops. If a crash falls between the send and the mark, the
retry sends again and Facebook refuses a second private reply to the same comment
("already replied"): that refusal marks the row sent. Failures stay on the row (status failed,
last_error) for staff.

FacebookRouter is Facebook's side of the outbound port, within what Meta allows today:
- the first message about an order from a comment is a private reply to that comment (one per
  comment, within 7 days of it; only the buyer's answer in Messenger opens a conversation);
- any other message is a Messenger message of type RESPONSE, allowed only within 24 hours of the
  buyer's last Messenger message (a public comment opens no Messenger window);
- past that, nothing is sent: Meta retired the order-update tag (POST_PURCHASE_UPDATE, with
  CONFIRMED_EVENT_UPDATE and ACCOUNT_UPDATE) on 2026-04-27, the Send API refuses it with error 100,
  HUMAN_AGENT is for a person typing, not automated messages, and utility message templates need
  an approved template and the page_utility_messaging permission chotdon does not have. The
  message is recorded 'unsent' with that reason, for staff to send by hand. Sources: README
  "Facebook".
"""

from __future__ import annotations

import time
from typing import Any

import structlog

from aggregator.outbound.port import Buyer, BuyerMessage, Queued
from aggregator.outbound.record import Outgoing, queue_outbound, record_unsent
from aggregator.outbound.sends import SendJob, Sends
from aggregator.platforms.facebook.pages import PageRef
from aggregator.runtime import jobs
from aggregator.runtime.db import Queryable
from schema.queries import query

log = structlog.get_logger()
PRIVATE_REPLY = "facebook.private_reply"
MESSAGE = "facebook.message"
HIDE_COMMENT = "facebook.hide_comment"
RESPONSE = "RESPONSE"
MESSAGING_WINDOW_S = 24 * 3600  # Messenger's standard messaging window
PRIVATE_REPLY_WINDOW_S = 7 * 24 * 3600
OUTSIDE_WINDOW = (
    "not sent: outside Messenger's 24-hour window (Meta retired the order-update message tags "
    "on 2026-04-27); staff send it by hand"
)
# Facebook's own send job: it keeps to each Page's sending rate (workers/facebook_jobs.py).
SEND_JOB = SendJob(jobs.FACEBOOK_SEND, "facebook-send")


async def _queue(
    db: Queryable,
    sends: Sends,
    page: PageRef,
    kind: str,
    key: str,
    body: str,
    target: dict[str, Any],
    order_id: int | None = None,
) -> int:
    outgoing = Outgoing(page.tenant_id, page.channel_id, kind, key, body, target, order_id)
    return await queue_outbound(db, sends, outgoing, SEND_JOB)


async def queue_private_reply(
    db: Queryable,
    sends: Sends,
    page: PageRef,
    comment_id: str,
    text: str,
    order_id: int | None = None,
) -> int:
    """One private reply per comment, ever: the comment id is the idempotency key."""
    key = f"facebook:private_reply:{page.page_id}:{comment_id}"
    return await _queue(
        db, sends, page, PRIVATE_REPLY, key, text, {"comment_id": comment_id}, order_id
    )


async def queue_message(
    db: Queryable,
    sends: Sends,
    page: PageRef,
    psid: str,
    text: str,
    *,
    key: str,
    order_id: int | None = None,
) -> int:
    """A Messenger message answering the buyer: only within 24 hours of their last message."""
    target: dict[str, Any] = {"psid": psid, "messaging_type": RESPONSE}
    return await _queue(
        db, sends, page, MESSAGE, f"facebook:message:{page.page_id}:{key}", text, target, order_id
    )


async def queue_hide_comment(db: Queryable, sends: Sends, page: PageRef, comment_id: str) -> int:
    """Hide a public comment that shows a phone number (the buyer still sees it, others do not)."""
    key = f"facebook:hide:{page.page_id}:{comment_id}"
    message_id = await _queue(db, sends, page, HIDE_COMMENT, key, "", {"comment_id": comment_id})
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


async def _windows(db: Queryable, buyer: Buyer) -> tuple[float | None, float | None]:
    """(When the buyer last wrote in Messenger, when the comment that opened the order was
    written), in unix seconds, None when there is none."""
    row = await db.fetchrow(
        query("facebook_reply_windows"), buyer.channel.id, buyer.user_id,
        buyer.channel.external_id, buyer.first_comment_id,
    )  # fmt: skip
    assert row is not None  # two scalar subqueries: always one row
    last, comment = row["last_message_at"], row["comment_at"]
    return (float(last) if last is not None else None,
            float(comment) if comment is not None else None)  # fmt: skip


def _within(at: float | None, window_s: float, now: float) -> bool:
    return at is not None and now - at < window_s


class FacebookRouter:
    """A private reply to the opening comment first, then Messenger messages while the buyer's
    24-hour window is open, else an 'unsent' record with the reason (port.BuyerRouter)."""

    async def queue(
        self, db: Queryable, sends: Sends, buyer: Buyer, message: BuyerMessage
    ) -> Queued:
        page, comment_id, now = _buyer_page(buyer), buyer.first_comment_id, time.time()
        last_message_at, comment_at = await _windows(db, buyer)
        first = buyer.facebook_messages == 0 and comment_id and not _is_messenger_id(comment_id)
        if first and comment_id and _within(comment_at, PRIVATE_REPLY_WINDOW_S, now):
            mid = await queue_private_reply(
                db, sends, page, comment_id, message.text, order_id=buyer.order_id
            )
            return Queued(mid, PRIVATE_REPLY)
        if _within(last_message_at, MESSAGING_WINDOW_S, now):
            mid = await queue_message(
                db, sends, page, buyer.user_id, message.text, key=message.key,
                order_id=buyer.order_id,
            )  # fmt: skip
            return Queued(mid, MESSAGE)
        log.info("facebook.message_unsent", order_id=buyer.order_id, reason="outside_window")
        return await record_unsent(db, buyer, message, OUTSIDE_WINDOW)
