"""Page webhook deliveries: the documented JSON shape, read leniently into what chotdon acts on.

Facebook adds keys and events over time: an entry carries `hop_context` when the Page has more than
one messaging app, conversations another app owns arrive under `standby` instead of `messaging`,
and feed changes report reactions, likes, posts and hides as well as comments. A verified delivery
is never refused for its shape: unknown keys are ignored, events chotdon does not use are counted
as ignored (named in the delivery's note), and PayloadError is raised only when the envelope, or a
change chotdon acts on, cannot be read; the caller keeps that body as a dead letter to replay.

Shapes: tests/fixtures/wire/facebook/ (each sample with its source). Feed entries carry `time` in
unix seconds, Messenger entries in milliseconds. Ids are strings today; older deliveries (and
Meta's older samples) wrote them as JSON numbers, which are read as the same strings.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, NamedTuple

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from connectors.errors import PayloadError
from connectors.facebook import messaging
from connectors.facebook.messaging import MessengerEdit, MessengerMessage, entry_time
from schema.events import ExternalId, storable

MAX_CHANGES = 1000  # Facebook batches up to 1000 changes in one POST
# Unix seconds Facebook can send: bounded so a forged or broken value is a PayloadError rather
# than an overflow deep inside datetime.
Seconds = Annotated[int, Field(ge=0, lt=2**34)]
Stamp = Annotated[int, Field(ge=0, lt=2**44)]  # an entry's time: seconds (feed) or ms (Messenger)
COMMENT_VERBS = frozenset({"add", "edited", "remove"})

__all__ = ["Delivery", "FeedComment", "LiveStatus", "MessengerEdit", "MessengerMessage",
           "page_ids_of", "parse_delivery"]  # fmt: skip


class _Lenient(BaseModel):
    model_config = ConfigDict(
        extra="ignore", frozen=True, populate_by_name=True, coerce_numbers_to_str=True
    )


class Author(_Lenient):
    id: ExternalId
    name: str = ""


class FeedValue(_Lenient):
    item: str = ""
    verb: str = ""
    comment_id: ExternalId | None = None
    post_id: ExternalId | None = None
    parent_id: ExternalId | None = None
    author: Author | None = Field(default=None, alias="from")
    # Before Graph API v2.11 a feed change named its author this way; old samples still do.
    sender_id: ExternalId | None = None
    sender_name: str = ""
    message: str = ""
    created_time: Seconds | None = None


class LiveVideoValue(_Lenient):
    id: ExternalId
    status: str


class Change(_Lenient):
    field: str
    value: Any = None


class Entry(_Lenient):
    id: ExternalId
    time: Stamp
    changes: list[dict[str, Any]] = Field(default_factory=list)
    messaging: list[dict[str, Any]] = Field(default_factory=list)
    standby: list[dict[str, Any]] = Field(default_factory=list)


class Envelope(_Lenient):
    object: str
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
    changed_at: datetime  # when Facebook says the change happened: orders edits and removals


@dataclass(frozen=True, slots=True)
class LiveStatus:
    page_id: str
    live_id: str
    status: str  # live | live_stopped | vod | …


@dataclass
class Delivery:
    """What one POST asks chotdon to do, and the key that identifies it across retries."""

    object: str = "page"
    page_ids: set[str] = field(default_factory=set)
    comments: list[FeedComment] = field(default_factory=list)
    lives: list[LiveStatus] = field(default_factory=list)
    messages: list[MessengerMessage] = field(default_factory=list)
    edits: list[MessengerEdit] = field(default_factory=list)
    ignored: Counter[str] = field(default_factory=Counter)
    change_keys: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """Facebook entry id + time + change, for every change: the same on every retry."""
        return hashlib.sha256("\n".join(sorted(self.change_keys)).encode()).hexdigest()

    @property
    def note(self) -> str | None:
        """What was recorded and ignored: 'ignored: message_echo ×1, feed reaction ×2'."""
        if not self.ignored:
            return None
        return "ignored: " + ", ".join(f"{k} ×{n}" for k, n in sorted(self.ignored.items()))

    def ignore(self, kind: str) -> None:
        # The name comes from the body (a field, an object): no NUL, which Postgres text refuses.
        name: str = storable(kind)
        self.ignored[name[:60]] += 1


def _author(feed: FeedValue) -> Author | None:
    if feed.author is not None:
        return feed.author
    return Author(id=feed.sender_id, name=feed.sender_name) if feed.sender_id else None


def _feed(entry: Entry, value: Any, out: Delivery) -> None:
    _feed_value(entry, FeedValue.model_validate(value), out)


def _feed_value(entry: Entry, feed: FeedValue, out: Delivery) -> None:
    if feed.item != "comment":
        out.ignore(f"feed {feed.item or 'change'}")
        return
    if feed.verb not in COMMENT_VERBS:
        out.ignore(f"comment {feed.verb or 'change'}")  # hide, unhide…
        return
    if not feed.comment_id:
        raise PayloadError(f"entry {entry.id}: a comment {feed.verb} without comment_id")
    # Without pages_read_user_content Graph omits `from`; the comment is kept all the same.
    author = _author(feed) or Author(id=f"anonymous:{feed.comment_id}")
    comment = _Comment(feed.verb, feed.comment_id, feed.post_id, feed.parent_id, author.id,
                       author.name, feed.message, feed.created_time)  # fmt: skip
    _add_comment(entry.id, entry.time, comment, out)


class _Comment(NamedTuple):
    """A feed comment change as read, by the models or by read_common (a tuple: made on every
    signed POST, where a frozen dataclass costs several times as much to build)."""

    verb: str
    comment_id: str
    post_id: str | None
    parent_id: str | None
    author_id: str
    author_name: str
    message: str
    created: int | None


def _add_comment(page_id: str, stamp: int, comment: _Comment, out: Delivery) -> None:
    if comment.author_id == page_id:  # the Page's own replies are not orders
        out.ignore("comment by the Page")
        return
    changed_at = entry_time(stamp)
    created = comment.created
    created_at = datetime.fromtimestamp(created, UTC) if created else changed_at
    # Positional, in FeedComment's field order: a frozen dataclass is built faster that way.
    out.comments.append(
        FeedComment(page_id, comment.verb, comment.comment_id, comment.post_id or "",
                    comment.parent_id, comment.author_id, comment.author_name, comment.message,
                    created_at, changed_at)
    )  # fmt: skip


def _change(entry: Entry, raw: dict[str, Any], out: Delivery) -> None:
    change = Change.model_validate(raw)
    if change.field == "feed":
        _feed(entry, change.value, out)
    elif change.field == "live_videos":
        live = LiveVideoValue.model_validate(change.value)
        out.lives.append(LiveStatus(entry.id, live.id, live.status.lower()))
    else:
        out.ignore(change.field or "change")


def _entry(entry: Entry, out: Delivery) -> None:
    out.page_ids.add(entry.id)
    for raw in entry.changes:
        out.change_keys.append(_change_key(entry.id, entry.time, raw))
        _change(entry, raw, out)
    for raw in entry.messaging:
        out.change_keys.append(_change_key(entry.id, entry.time, raw))
        messaging.read_item(entry.id, entry.time, raw, out)
    for raw in entry.standby:
        out.change_keys.append("standby:" + _change_key(entry.id, entry.time, raw))
        # Another app owns this conversation: the event is recorded, never answered or ordered.
        out.ignore(f"standby {messaging.kind(raw)}")


def _change_key(page_id: str, stamp: int, change: dict[str, Any]) -> str:
    try:
        canonical = orjson.dumps(change, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:  # an integer past 64 bits: Facebook sends none
        raise PayloadError(f"entry {page_id}: a number out of range") from None
    return f"{page_id}:{stamp}:{canonical}"


def parse_delivery(body: bytes) -> Delivery:
    """Read a verified raw body; PayloadError names the part that cannot be read."""
    common = read_common(body)
    return common if common is not None else read_fully(body)


def read_fully(body: bytes) -> Delivery:
    """parse_delivery through the models: every shape, and every error named."""
    try:
        envelope = Envelope.model_validate_json(body)
    except ValidationError as exc:
        raise PayloadError(_describe(exc)) from None
    out = Delivery(object=envelope.object)
    if envelope.object != "page":  # an Instagram or user subscription on the same callback
        out.ignore(f"object {envelope.object[:30]}")
        out.change_keys.append(hashlib.sha256(body).hexdigest())
        return out
    events = sum(len(e.changes) + len(e.messaging) + len(e.standby) for e in envelope.entry)
    if events > MAX_CHANGES:
        raise PayloadError(f"{events} changes in one delivery (Facebook sends at most 1000)")
    try:
        for entry in envelope.entry:
            _entry(entry, out)
    except ValidationError as exc:
        raise PayloadError(_describe(exc)) from None
    return out


class _Pages(_Lenient):
    id: ExternalId


class _PageList(_Lenient):
    entry: list[_Pages]


def page_ids_of(body: bytes) -> set[str]:
    """The Page ids of a body that cannot be read whole (to file the dead letter under its
    cooperative); empty when even those cannot be read."""
    try:
        return {e.id for e in _PageList.model_validate_json(body).entry}
    except ValidationError:
        return set()


def _describe(exc: ValidationError) -> str:
    first = exc.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(p) for p in first["loc"]) or "body"
    described: str = storable(f"{where[:200]}: {first['msg']}")  # keys come from the body
    return described


# The common delivery, read without the models: a Page's feed comments, each value already of
# the type the models would give it. Anything else (another event, a number where a string goes,
# an id with spaces to strip, a NUL) is left to read_fully, which decides it as before; so both
# readings give the same Delivery wherever this one answers (tests/unit/test_facebook_fast_read.py).
# It saves the three model validations per change of the signed hot path.
_ENTRY_KEYS_READ_FULLY = ("messaging", "standby")
_VALUE_KEYS_READ_FULLY = ("sender_id", "sender_name")


def _plain_id(value: Any) -> bool:
    """An ExternalId the model would keep as it is."""
    return (
        type(value) is str
        and 0 < len(value) <= 200
        and "\x00" not in value
        and value.strip() == value
    )


def _optional_id(value: Any) -> bool:
    return value is None or _plain_id(value)


def _common_comment(value: Any) -> bool:
    if type(value) is not dict or any(k in value for k in _VALUE_KEYS_READ_FULLY):
        return False
    author, created, verb = value.get("from"), value.get("created_time"), value.get("verb")
    return (
        value.get("item") == "comment"
        and type(verb) is str
        and verb in COMMENT_VERBS
        and _plain_id(value.get("comment_id"))
        and _optional_id(value.get("post_id"))
        and _optional_id(value.get("parent_id"))
        and type(value.get("message", "")) is str
        and (created is None or (type(created) is int and 0 <= created < 2**34))
        and type(author) is dict
        and _plain_id(author.get("id"))
        and type(author.get("name", "")) is str
    )


def _common_entry(entry: Any) -> bool:
    if type(entry) is not dict or any(k in entry for k in _ENTRY_KEYS_READ_FULLY):
        return False
    changes, stamp = entry.get("changes", []), entry.get("time")
    return (
        _plain_id(entry.get("id"))
        and type(stamp) is int
        and 0 <= stamp < 2**44
        and type(changes) is list
        and all(
            type(c) is dict and c.get("field") == "feed" and _common_comment(c.get("value"))
            for c in changes
        )
    )


def read_common(body: bytes) -> Delivery | None:
    """The Delivery of a common body, as read_fully gives it; None: read it fully."""
    try:
        raw = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if type(raw) is not dict or raw.get("object") != "page":
        return None
    entries = raw.get("entry")
    if type(entries) is not list or not entries or not all(_common_entry(e) for e in entries):
        return None
    if sum(len(e.get("changes", [])) for e in entries) > MAX_CHANGES:
        return None
    out = Delivery(object="page")
    for entry in entries:
        page_id, stamp = entry["id"], entry["time"]
        out.page_ids.add(page_id)
        for change in entry.get("changes", []):
            out.change_keys.append(_change_key(page_id, stamp, change))
            _add_comment(page_id, stamp, _comment_of(change["value"]), out)
    return out


def _comment_of(value: dict[str, Any]) -> _Comment:
    """The _Comment the models would read from a value _common_comment passed."""
    author = value["from"]
    return _Comment(value["verb"], value["comment_id"], value.get("post_id"),
                    value.get("parent_id"), author["id"], author.get("name", ""),
                    value.get("message", ""), value.get("created_time"))  # fmt: skip
