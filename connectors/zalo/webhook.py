"""Zalo OA webhook events. A buyer's text to the OA during a Zalo live is read like a comment."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from pydantic import BaseModel, ConfigDict, ValidationError

from connectors.errors import PayloadError
from schema.enums import Platform
from schema.events import MAX_COMMENT_CHARS, CommentEvent, ExternalId

USER_SEND_TEXT = "user_send_text"


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Party(_Wire):
    id: ExternalId


class Message(_Wire):
    msg_id: ExternalId
    text: str = ""


class ZaloEvent(_Wire):
    app_id: str
    event_name: str
    timestamp: str
    sender: Party
    recipient: Party
    user_id_by_app: str = ""
    message: Message | None = None

    @property
    def at(self) -> datetime:
        try:
            return datetime.fromtimestamp(int(self.timestamp) / 1000, UTC)
        except (ValueError, OverflowError, OSError):  # not a time Zalo sends: the arrival time
            return datetime.now(UTC)

    @property
    def delivery_key(self) -> str:
        """msg_id for messages (Zalo's own dedupe key); otherwise event, sender and time."""
        if self.message is not None:
            return self.message.msg_id
        return f"{self.event_name}:{self.sender.id}:{self.timestamp}"


def parse_event(body: bytes) -> ZaloEvent:
    try:
        return ZaloEvent.model_validate(orjson.loads(body))
    except (orjson.JSONDecodeError, ValidationError) as exc:
        raise PayloadError(f"not a Zalo OA event: {str(exc)[:300]}") from None


def comment_event(event: ZaloEvent) -> CommentEvent | None:
    """user_send_text → a comment on the OA's channel, in its live on air (no live id)."""
    if event.event_name != USER_SEND_TEXT or event.message is None:
        return None
    return CommentEvent(
        platform=Platform.ZALO,
        channel_external_id=event.recipient.id,
        external_id=event.message.msg_id,
        external_live_id=None,
        author_external_id=event.sender.id,
        text=event.message.text[:MAX_COMMENT_CHARS],
        commented_at=event.at,
    )
