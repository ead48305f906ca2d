"""Where an answer to a buyer's question goes, within each platform's rules, through outbound.

- A Facebook live or post comment: a private reply to that comment (Messenger delivers it), one
  per comment and within 7 days of it. Once that one reply is used, a Messenger message only if
  the buyer wrote to the Page in Messenger in the last 24 hours (a public comment opens no
  Messenger window).
- A Messenger message: a Messenger message of type RESPONSE within 24 hours of the buyer's last.
- A Zalo OA message: an OA customer-service message within 48 hours of the buyer's last message
  to the OA, at most 8 of them (Zalo's free "tin phản hồi"; later ones count as proactive
  messages, which need a verified OA and paid quota: Zalo OA help centre, "Các loại tin của
  Zalo Official Account").
- TikTok (relay) and manual channels: no way to write to a live commenter; staff answer in the
  platform's own app and mark the question done.
A rehearsal's questions are never answered: replayed ids may be real people's.
Every answer is an outbound_messages row sent by the platform's send job (its rate limits and
retries); nothing here calls a platform.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

import asyncpg
from arq.connections import ArqRedis

from aggregator.channels.directory import ChannelRef
from aggregator.errors import BadInputError
from aggregator.outbound.record import queue_channel_message
from aggregator.platforms.facebook.outbound import (
    MESSAGE,
    MESSAGING_WINDOW_S,
    PRIVATE_REPLY,
    PRIVATE_REPLY_WINDOW_S,
    queue_message,
    queue_private_reply,
)
from aggregator.platforms.facebook.pages import PageRef
from aggregator.platforms.zalo.zns import ZALO_MESSAGE
from schema.queries import query


class ReplyRefusedError(BadInputError, ValueError):
    """The platform does not let chotdon write to this buyer now; the message is Vietnamese."""


NO_ROUTE = (
    "Kênh này không cho gửi tin riêng cho người bình luận: hãy trả lời trong ứng dụng "
    "của kênh rồi bấm “Xong”."
)
SANDBOX = "Đây là phiên tập dượt: không gửi gì cho khách."
DISCONNECTED = "Kênh đang mất kết nối: hãy kết nối lại kênh rồi gửi."
FACEBOOK_LATE = (
    "Đã quá 7 ngày từ bình luận và khách không nhắn Messenger trong 24 giờ qua: Facebook "
    "không cho gửi nữa."
)
FACEBOOK_USED = (
    "Bình luận này đã được trả lời riêng một lần (Facebook chỉ cho một lần) và khách chưa nhắn "
    "Messenger trong 24 giờ qua: không gửi thêm được."
)
MESSENGER_LATE = "Khách nhắn đã quá 24 giờ: Facebook không cho gửi tin nữa."
ZALO_LATE = "Khách nhắn Zalo đã quá 48 giờ: Zalo không cho gửi tin phản hồi nữa."
ZALO_USED = "Đã gửi đủ 8 tin phản hồi Zalo từ lần cuối khách nhắn: chờ khách nhắn lại."
ZALO_REPLY_WINDOW_S = 48 * 3600
ZALO_REPLIES = 8


@dataclass(frozen=True, slots=True)
class Target:
    """An inbox item's comment, its channel, and the buyer's windows (unix seconds)."""

    item_id: int
    tenant_id: int
    platform: str
    comment_external_id: str
    author: str
    in_live_or_post: bool  # a comment under a live or post (else a Messenger / Zalo message)
    asked_at: float
    last_message_at: float | None
    channel: ChannelRef
    sandbox: bool
    zalo_replies: int = 0  # OA messages sent to the buyer since their last message


@dataclass(frozen=True, slots=True)
class Sent:
    message_id: int
    kind: str


def target_from(row: Any) -> Target:
    channel = ChannelRef(
        id=row["channel_id"], tenant_id=row["tenant_id"], external_id=row["channel_external_id"],
        name=row["channel_name"], active=row["channel_status"] == "active",
        settings=dict(row["channel_settings"] or {}),
        credentials_encrypted=row["credentials_encrypted"],
    )  # fmt: skip
    last = row["last_message_at"]
    return Target(
        row["id"], row["tenant_id"], row["platform"], row["external_id"],
        row["author_external_id"], row["external_live_id"] is not None, float(row["asked_at"]),
        float(last) if last is not None else None, channel, row["sandbox"],
        int(row["replies_since_last_message"] or 0),
    )  # fmt: skip


async def load_target(pool: asyncpg.Pool, tenant_id: int, item_id: int) -> Target | None:
    row = await pool.fetchrow(query("reply_target"), tenant_id, item_id)
    return None if row is None else target_from(row)


def _within(at: float | None, window_s: float, now: float) -> bool:
    return at is not None and now - at < window_s


def _page(target: Target) -> PageRef:
    c = target.channel
    return PageRef(c.id, c.tenant_id, c.external_id, c.name, c.active, False,
                   c.credentials_encrypted)  # fmt: skip


def private_reply_key(target: Target) -> str:
    """The idempotency key of the comment's one private reply (facebook/outbound.py's)."""
    return f"facebook:private_reply:{target.channel.external_id}:{target.comment_external_id}"


def route(target: Target, private_reply_used: bool, now: float) -> str:
    """Which kind of message can reach the buyer now; ReplyRefusedError if none."""
    if target.sandbox:
        raise ReplyRefusedError(SANDBOX)
    if not target.channel.active:
        raise ReplyRefusedError(DISCONNECTED)
    messenger_open = _within(target.last_message_at, MESSAGING_WINDOW_S, now)
    if target.platform == "facebook" and target.in_live_or_post:
        if not private_reply_used and _within(target.asked_at, PRIVATE_REPLY_WINDOW_S, now):
            return PRIVATE_REPLY
        if messenger_open:
            return MESSAGE
        raise ReplyRefusedError(FACEBOOK_USED if private_reply_used else FACEBOOK_LATE)
    if target.platform == "facebook":
        if messenger_open:
            return MESSAGE
        raise ReplyRefusedError(MESSENGER_LATE)
    if target.platform == "zalo":
        if not _within(target.last_message_at, ZALO_REPLY_WINDOW_S, now):
            raise ReplyRefusedError(ZALO_LATE)
        if target.zalo_replies >= ZALO_REPLIES:
            raise ReplyRefusedError(ZALO_USED)
        return ZALO_MESSAGE
    raise ReplyRefusedError(NO_ROUTE)


async def reply_route(pool: asyncpg.Pool, target: Target, now: float | None = None) -> str:
    used = False
    if target.platform == "facebook" and target.in_live_or_post:
        used = bool(await pool.fetchval(query("outbound_key_used"), private_reply_key(target)))
    return route(target, used, time.time() if now is None else now)


async def send_reply(
    pool: asyncpg.Pool, arq: ArqRedis, target: Target, text: str, kind: str
) -> Sent:
    """Queue `text` to the buyer by `kind` (from reply_route); the same text twice is one row.

    The row names no order: Facebook's order messages count the messages of their order to
    decide that the first one is the private reply to the opening comment, and an answer to a
    question must not take that turn (the inbox item keeps the link to the order)."""
    key = f"inbox:{target.item_id}:{hashlib.sha256(text.encode()).hexdigest()[:16]}"
    if kind == PRIVATE_REPLY:
        mid = await queue_private_reply(pool, arq, _page(target), target.comment_external_id, text)
    elif kind == MESSAGE:
        mid = await queue_message(pool, arq, _page(target), target.author, text, key=key)
    else:
        mid = await queue_channel_message(
            pool, arq, target.channel, ZALO_MESSAGE, key, text, {"user_id": target.author}
        )
    return Sent(mid, kind)
