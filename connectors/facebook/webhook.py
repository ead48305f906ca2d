"""Page webhook deliveries: the documented JSON shape, parsed into changes chotdon acts on.

The envelope, entries and changes are strict (an unknown key there is a 400: the sender is not
Facebook or the format changed and a person should look). Inside a change's `value`, Facebook adds
fields over time (`post`, `photo`, `reaction_type`…), so only the fields read here are checked.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from connectors.errors import PayloadError
from schema.events import ExternalId

MAX_CHANGES = 1000  # Facebook batches up to 1000 changes in one POST
# Unix times Facebook can send (seconds, milliseconds): bounded so a forged or broken value is a
# PayloadError rather than an overflow deep inside datetime.
Seconds = Annotated[int, Field(ge=0, lt=2**34)]
Millis = Annotated[int, Field(ge=0, lt=2**44)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class Sender(_Lenient):
    id: ExternalId
    name: str = ""


class FeedValue(_Lenient):
    item: str
    verb: str
    comment_id: ExternalId | None = None
    post_id: ExternalId | None = None
    parent_id: ExternalId | None = None
    sender: Sender | None = Field(default=None, alias="from")
    message: str = ""
    created_time: Seconds | None = None


class LiveVideoValue(_Lenient):
    id: str = Field(min_length=1)
    status: str


class MessengerText(_Lenient):
    mid: ExternalId
    text: str = ""
    is_echo: bool = False


class Messaging(_Lenient):
    sender: Sender
    recipient: Sender
    timestamp: Millis
    message: MessengerText | None = None


class Change(_Strict):
    field: str
    value: dict[str, Any]


class Entry(_Strict):
    id: ExternalId
    time: Millis
    changes: list[Change] = Field(default_factory=list)
    messaging: list[dict[str, Any]] = Field(default_factory=list)


class Envelope(_Strict):
    object: Literal["page"]
    entry: list[Entry] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class FeedComment:
    page_id: str
    verb: str  # add | edited | remove
    comment_id: str
    post_id: str
    parent_id: str | None
    author_id: str
    author_name: str
    message: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class LiveStatus:
    page_id: str
    live_id: str
    status: str  # live | live_stopped | vod | …


@dataclass(frozen=True, slots=True)
class MessengerMessage:
    page_id: str
    mid: str
    sender_id: str
    text: str
    sent_at: datetime


@dataclass
class Delivery:
    """What one POST asks chotdon to do, and the key that identifies it across retries."""

    page_ids: set[str] = field(default_factory=set)
    comments: list[FeedComment] = field(default_factory=list)
    lives: list[LiveStatus] = field(default_factory=list)
    messages: list[MessengerMessage] = field(default_factory=list)
    ignored: int = 0
    change_keys: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """Facebook entry id + time + change, for every change: the same on every retry."""
        return hashlib.sha256("\n".join(sorted(self.change_keys)).encode()).hexdigest()


def _at(seconds: float | None, fallback_ms: int) -> datetime:
    value = seconds if seconds is not None else fallback_ms / 1000
    return datetime.fromtimestamp(value, UTC)


def _feed(entry: Entry, value: dict[str, Any], out: Delivery) -> None:
    feed = FeedValue.model_validate(value)
    if feed.item != "comment" or not feed.comment_id or feed.sender is None:
        out.ignored += 1
        return
    if feed.sender.id == entry.id:  # the Page's own replies are not orders
        out.ignored += 1
        return
    out.comments.append(
        FeedComment(
            page_id=entry.id,
            verb=feed.verb,
            comment_id=feed.comment_id,
            post_id=feed.post_id or "",
            parent_id=feed.parent_id,
            author_id=feed.sender.id,
            author_name=feed.sender.name,
            message=feed.message,
            created_at=_at(feed.created_time, entry.time),
        )
    )


def _messaging(entry: Entry, raw: dict[str, Any], out: Delivery) -> None:
    item = Messaging.model_validate(raw)
    if item.message is None or item.message.is_echo or not item.message.text:
        out.ignored += 1
        return
    out.messages.append(
        MessengerMessage(
            page_id=entry.id,
            mid=item.message.mid,
            sender_id=item.sender.id,
            text=item.message.text,
            sent_at=_at(None, item.timestamp),
        )
    )


def _entry(entry: Entry, out: Delivery) -> None:
    out.page_ids.add(entry.id)
    for change in entry.changes:
        out.change_keys.append(_change_key(entry, change.model_dump()))
        if change.field == "feed":
            _feed(entry, change.value, out)
        elif change.field == "live_videos":
            live = LiveVideoValue.model_validate(change.value)
            out.lives.append(LiveStatus(entry.id, live.id, live.status.lower()))
        else:
            out.ignored += 1
    for raw in entry.messaging:
        out.change_keys.append(_change_key(entry, raw))
        _messaging(entry, raw, out)


def _change_key(entry: Entry, change: dict[str, Any]) -> str:
    try:
        canonical = orjson.dumps(change, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:  # an integer past 64 bits: Facebook sends none
        raise PayloadError(f"entry {entry.id}: a number out of range") from None
    return f"{entry.id}:{entry.time}:{canonical}"


def parse_delivery(body: bytes) -> Delivery:
    """Parse a verified raw body; PayloadError names what is wrong."""
    try:
        envelope = Envelope.model_validate_json(body)
    except ValidationError as exc:
        raise PayloadError(_describe(exc)) from None
    changes = sum(len(e.changes) + len(e.messaging) for e in envelope.entry)
    if changes > MAX_CHANGES:
        raise PayloadError(f"{changes} changes in one delivery (Facebook sends at most 1000)")
    out = Delivery()
    try:
        for entry in envelope.entry:
            _entry(entry, out)
    except ValidationError as exc:
        raise PayloadError(_describe(exc)) from None
    return out


def _describe(exc: ValidationError) -> str:
    first = exc.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(p) for p in first["loc"]) or "body"
    return f"{where}: {first['msg']}"
