"""Zalo OA webhook events. A buyer's text to the OA during a Zalo live is read like a comment.

Every event Zalo's OA webhook documents is read (fixtures in tests/fixtures/wire/zalo/), but only
`user_send_text` is used; the others are recorded and ignored. Their shapes differ:

- `user_send_*` (text, image, link, audio, video, sticker, gif, location, file, business card):
  `sender` is the buyer, `recipient` the OA, `message{msg_id, text?, attachments?}`.
- `oa_send_*`: the OA's own messages echoed back: `sender` is the OA, `recipient` the user.
- `follow` / `unfollow`: no sender or recipient, but `oa_id`, `follower{id}` and `source`.
- `user_seen_message` / `user_received_message`: receipts of our messages, `sender` is the OA.

`timestamp` is milliseconds as a string in the docs; a number is accepted as well. A body is
unreadable (PayloadError) when it is not a JSON object with an event name and a timestamp, or when
it is a `user_send_text` without its sender, OA or message id: that is the one event we act on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints, ValidationError

from connectors.errors import PayloadError
from schema.enums import Platform
from schema.events import MAX_COMMENT_CHARS, CommentEvent, ExternalId, storable

USER_SEND_TEXT = "user_send_text"
FOLLOW, UNFOLLOW = "follow", "unfollow"
# Events whose `sender` is the OA (its own messages, and receipts of them).
OA_SENT_PREFIX = "oa_send_"
RECEIPTS = frozenset({"user_seen_message", "user_received_message"})


def _stamp(value: Any) -> Any:
    """Zalo documents a string of milliseconds; a number is the same instant."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


Stamp = Annotated[str, BeforeValidator(_stamp), StringConstraints(min_length=1, max_length=40)]
# Stored in the delivery's note ("ignored: follow"): NUL, which Postgres text refuses, is dropped.
EventName = Annotated[
    str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True),
    BeforeValidator(storable),
]  # fmt: skip


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Envelope(_Wire):
    """What every Zalo OA event has."""

    event_name: EventName
    timestamp: Stamp


class Party(_Wire):
    id: ExternalId


class TextMessage(_Wire):
    msg_id: ExternalId
    text: str = ""


class UserText(_Wire):
    """user_send_text: the buyer wrote to the OA."""

    sender: Party
    recipient: Party
    message: TextMessage


@dataclass(frozen=True, slots=True)
class ZaloEvent:
    event_name: str
    timestamp: str
    oa_id: str | None  # the OA it was sent to (None when the body does not say)
    text: UserText | None  # set for user_send_text only
    digest: str  # of the raw body: the key of events without a message id we use

    @property
    def at(self) -> datetime:
        try:
            return datetime.fromtimestamp(int(self.timestamp) / 1000, UTC)
        except (ValueError, OverflowError, OSError):  # not a time Zalo sends: the arrival time
            return datetime.now(UTC)

    @property
    def delivery_key(self) -> str:
        """A buyer's text: its msg_id (Zalo's own dedupe key, as it always was). Anything else:
        the event name and a digest of the body, which a retry repeats byte for byte."""
        if self.text is not None:
            return self.text.message.msg_id
        return f"{self.event_name}:{self.digest}"


def _party_id(raw: dict[str, Any], field: str) -> str | None:
    party = raw.get(field)
    value = party.get("id") if isinstance(party, dict) else None
    return (value.strip()[:200] or None) if isinstance(value, str) else None


def _oa_id(raw: dict[str, Any], event_name: str) -> str | None:
    """Where each kind of event names the OA: `oa_id` (follow), `sender` (the OA's own messages
    and receipts), otherwise `recipient` (what a user sent)."""
    oa_id = raw.get("oa_id")
    if isinstance(oa_id, str | int) and not isinstance(oa_id, bool) and str(oa_id).strip():
        return str(oa_id).strip()[:200]
    if event_name.startswith(OA_SENT_PREFIX) or event_name in RECEIPTS:
        return _party_id(raw, "sender")
    return _party_id(raw, "recipient")


def parse_event(body: bytes) -> ZaloEvent:
    try:
        raw = orjson.loads(body)
        envelope = Envelope.model_validate(raw)
        text = UserText.model_validate(raw) if envelope.event_name == USER_SEND_TEXT else None
    except (orjson.JSONDecodeError, ValidationError) as exc:
        raise PayloadError(f"not a Zalo OA event: {str(exc)[:300]}") from None
    name = envelope.event_name
    return ZaloEvent(
        event_name=name,
        timestamp=envelope.timestamp,
        oa_id=text.recipient.id if text is not None else _oa_id(raw, name),
        text=text,
        digest=hashlib.sha256(body).hexdigest()[:40],
    )


def comment_event(event: ZaloEvent) -> CommentEvent | None:
    """user_send_text → a comment on the OA's channel, in its live on air (no live id)."""
    if event.text is None:
        return None
    return CommentEvent(
        platform=Platform.ZALO,
        channel_external_id=event.text.recipient.id,
        external_id=event.text.message.msg_id,
        external_live_id=None,
        author_external_id=event.text.sender.id,
        text=event.text.message.text[:MAX_COMMENT_CHARS],
        commented_at=event.at,
    )
