"""Messenger events inside a Page delivery (`entry[].messaging[]`): what each one is, and the two
chotdon acts on, a buyer's text message and a buyer's edit of one.

Each item carries `sender`, `recipient`, `timestamp` and one event key (`message`, `message_edit`,
`postback`, `read`, `delivery`, `reaction`, `pass_thread_control`…); a Page with several messaging
apps adds `hop_context`. Everything but a buyer's text and its edits is counted as ignored: our own
sent messages come back as `message` with `is_echo` (never an order), and postbacks, reads,
deliveries and reactions carry no order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from schema.events import ExternalId

if TYPE_CHECKING:
    from connectors.facebook.webhook import Delivery

Millis = Annotated[int, Field(ge=0, lt=2**44)]
ENVELOPE_KEYS = frozenset({"sender", "recipient", "timestamp", "hop_context"})
SECONDS_BEFORE = 10**11  # an entry time below this is unix seconds (feed), above it ms


def entry_time(value: int) -> datetime:
    """An entry's `time`: unix seconds on feed changes, milliseconds on Messenger events."""
    return datetime.fromtimestamp(value if value < SECONDS_BEFORE else value / 1000, UTC)


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, coerce_numbers_to_str=True)


class Party(_Lenient):
    id: ExternalId


class MessageBody(_Lenient):
    mid: ExternalId
    text: str = ""
    is_echo: bool = False


class EditBody(_Lenient):
    mid: ExternalId
    text: str = ""


class Message(_Lenient):
    sender: Party
    timestamp: Millis | None = None
    message: MessageBody


class Edit(_Lenient):
    sender: Party
    timestamp: Millis | None = None
    message_edit: EditBody


@dataclass(frozen=True, slots=True)
class MessengerMessage:
    page_id: str
    mid: str
    sender_id: str
    text: str
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class MessengerEdit:
    """A buyer changed the text of a message they sent (the `message_edits` field)."""

    page_id: str
    mid: str
    sender_id: str
    text: str
    edited_at: datetime


def kind(item: Any) -> str:
    """The event an item carries: its key besides sender, recipient, timestamp, hop_context."""
    if not isinstance(item, dict):
        return "event"
    keys = sorted(k for k in item if isinstance(k, str) and k not in ENVELOPE_KEYS)
    if "message" in keys:
        message = item["message"]
        return "message_echo" if isinstance(message, dict) and message.get("is_echo") else "message"
    return keys[0][:40] if keys else "event"


def _at(timestamp: int | None, entry_ms: int) -> datetime:
    return entry_time(timestamp if timestamp is not None else entry_ms)


def read_item(page_id: str, entry_ms: int, raw: dict[str, Any], out: Delivery) -> None:
    """Add what one `messaging` item asks for to `out`; ValidationError if a message is broken."""
    event = kind(raw)
    if event == "message":
        item = Message.model_validate(raw)
        if not item.message.text:  # a photo, a sticker, a shared post: nothing to read
            out.ignore("message without text")
            return
        out.messages.append(
            MessengerMessage(page_id, item.message.mid, item.sender.id, item.message.text,
                             _at(item.timestamp, entry_ms))
        )  # fmt: skip
    elif event == "message_edit":
        edit = Edit.model_validate(raw)
        out.edits.append(
            MessengerEdit(page_id, edit.message_edit.mid, edit.sender.id, edit.message_edit.text,
                          _at(edit.timestamp, entry_ms))
        )  # fmt: skip
    else:
        out.ignore(event)
