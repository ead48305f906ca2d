"""Messages and actions toward Facebook, sent at most once through outbound_messages.

The row is written first (status pending, unique idempotency key), then a job sends it and marks it
sent. A retried job finds 'sent' and stops. If a crash falls between the send and the mark, the
retry sends again and Facebook refuses a second private reply to the same comment
("already replied"): that refusal marks the row sent. Failures stay on the row (status failed,
last_error) for staff.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import structlog
from arq.connections import ArqRedis

from aggregator.platforms.facebook.pages import PageRef
from aggregator.runtime import jobs
from schema.queries import query

log = structlog.get_logger()
PRIVATE_REPLY = "facebook.private_reply"
MESSAGE = "facebook.message"
HIDE_COMMENT = "facebook.hide_comment"
RESPONSE = "RESPONSE"
MESSAGE_TAG = "MESSAGE_TAG"
ORDER_UPDATE_TAG = "POST_PURCHASE_UPDATE"


def send_job_id(message_id: int) -> str:
    return f"facebook-send:{message_id}"


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
    row = await pool.fetchrow(
        query("insert_outbound_message"),
        page.tenant_id,
        page.channel_id,
        None,
        order_id,
        kind,
        key,
        body,
        target,
    )
    assert row is not None  # the upsert always returns its row
    if row["status"] == "pending":  # enqueue after the commit; a job id per row coalesces repeats
        await arq.enqueue_job(jobs.FACEBOOK_SEND, row["id"], _job_id=send_job_id(row["id"]))
    return int(row["id"])


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
