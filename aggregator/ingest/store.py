"""Store one batch of events in one transaction: parse, resolve channel and live, insert."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import asyncpg
import structlog

from aggregator.core.parser import parse_comment
from aggregator.ingest.catalogs import CatalogCache
from aggregator.runtime.db import Connection
from schema.events import CommentEvent, PlatformOrderEvent
from schema.parsing import Intent, ParsedComment
from schema.queries import query

ChannelKey = tuple[str, str]  # (platform, channel external id)
# (platform, channel external id, comment external id, text) of a comment as stored
CommentKey = tuple[str, str, str, str]
# (channel id, platform live id or None for "the live on air") -> that live's extra keywords
LiveKeywords = dict[tuple[int, str | None], dict[str, list[str]]]

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class ChannelRef:
    id: int
    tenant_id: int


@dataclass
class StoreResult:
    stored: int = 0
    duplicates: int = 0
    orphaned: int = 0
    session_ids: set[int] = field(default_factory=set)
    # Shops whose platform orders got a new state: their apply job runs after the commit.
    platform_channel_ids: set[int] = field(default_factory=set)
    # The phone each comment's text shows as the parser read it against its catalogue (None:
    # none), repeats included: an edge acting on the same text after the commit (hiding a
    # comment that shows a phone) asks here instead of reading the text again.
    phones: dict[CommentKey, str | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PreparedEvents:
    """A batch read against the database before it is written: its channels, and each comment's
    reading against its live's catalogue. Reads only: made before a batch takes its place among
    the webhook intake's batches (inbox/intake.py)."""

    comments: list[CommentEvent]
    orders: list[PlatformOrderEvent]
    channels: dict[ChannelKey, ChannelRef]
    refs: list[ChannelRef | None]  # each comment's channel
    parsed: list[ParsedComment]  # each comment's reading


async def _channels_and_lives(
    conn: Connection, keys: set[ChannelKey], live_ids: list[str]
) -> tuple[dict[ChannelKey, ChannelRef], LiveKeywords]:
    """The batch's channels, and the keywords of the lives its comments belong to: by the
    platform's live id, or (no live id: Zalo, relay) the channel's live on air, as
    insert_comments_and_deliveries resolves them."""
    platforms, external_ids = zip(*sorted(keys), strict=True) if keys else ((), ())
    rows = await conn.fetch(
        query("channels_with_live_keywords"), list(platforms), list(external_ids), live_ids
    )
    channels: dict[ChannelKey, ChannelRef] = {}
    lives: LiveKeywords = {}
    for row in rows:
        channels[(row["platform"], row["external_id"])] = ChannelRef(row["id"], row["tenant_id"])
        for live in row["lives"]:  # newest first
            lives.setdefault((row["id"], live["external_live_id"]), live["keywords"])
            if live["status"] == "live":  # the live a comment without a live id joins
                lives.setdefault((row["id"], None), live["keywords"])
    return channels, lives


async def _parsed(
    conn: Connection,
    catalogs: CatalogCache,
    comment: CommentEvent,
    channel: ChannelRef | None,
    lives: LiveKeywords,
) -> ParsedComment:
    if comment.parsed is not None:
        return comment.parsed
    if channel is None:  # unknown channel: no catalogue to read it against; staff will see it
        return ParsedComment(intent=Intent.OTHER)
    keywords = lives.get((channel.id, comment.external_live_id))
    catalog = await catalogs.get(conn, channel.tenant_id, keywords)
    try:
        return parse_comment(comment.text, catalog)
    except Exception:  # one unreadable text must not fail (and retry) its whole batch
        # Kept as a plain comment: its text is stored and shown to staff on the live's page,
        # nothing is lost; the event names the comment, never its text (it may hold a phone).
        log.exception(
            "ingest.parse_failed", platform=comment.platform.value, comment=comment.external_id
        )
        return ParsedComment(intent=Intent.OTHER)


async def prepare_events(
    conn: Connection, catalogs: CatalogCache, events: Sequence[CommentEvent | PlatformOrderEvent]
) -> PreparedEvents:
    """Channels, lives and readings, in or out of a transaction: under READ COMMITTED each
    statement reads its own snapshot anyway, and insert_comments_and_deliveries resolves the
    lives itself."""
    comments = [e for e in events if isinstance(e, CommentEvent)]
    orders = [e for e in events if isinstance(e, PlatformOrderEvent)]
    keys = {(e.platform.value, e.channel_external_id) for e in events}
    live_ids = sorted({c.external_live_id for c in comments if c.external_live_id})
    channels, lives = await _channels_and_lives(conn, keys, live_ids)
    refs = [channels.get((c.platform.value, c.channel_external_id)) for c in comments]
    parsed = [
        await _parsed(conn, catalogs, c, ref, lives) for c, ref in zip(comments, refs, strict=True)
    ]
    return PreparedEvents(comments, orders, channels, refs, parsed)


def comment_arguments(prepared: PreparedEvents | None) -> list[list[object]]:
    """insert_comments_and_deliveries's first thirteen parameters: one list per column."""
    columns: list[list[object]] = [[] for _ in range(13)]
    if prepared is None:
        return columns
    for event, reading in zip(prepared.comments, prepared.parsed, strict=True):
        channel = prepared.channels.get((event.platform.value, event.channel_external_id))
        row = (
            event.platform.value, event.channel_external_id, event.external_id,
            event.external_live_id, event.author_external_id, event.author_name, event.text,
            event.commented_at, reading.intent.value, reading.model_dump(mode="json"),
            reading.phone, channel.id if channel else None, channel.tenant_id if channel else None,
        )  # fmt: skip
        for column, value in zip(columns, row, strict=True):
            column.append(value)
    return columns


# insert_comments_and_deliveries's last eleven parameters (the deliveries' source and their ten
# columns), empty: only the webhook intake records deliveries in the same statement.
_NO_DELIVERIES: list[object] = [None, *([[]] * 10)]


def tally_comments(prepared: PreparedEvents, session_ids: Sequence[int | None]) -> StoreResult:
    """What storing the prepared comments did, from the live session of each comment stored."""
    result = StoreResult(stored=len(session_ids))
    result.duplicates = len(prepared.comments) - len(session_ids)
    for session_id in session_ids:
        if session_id is None:
            result.orphaned += 1
        else:
            result.session_ids.add(session_id)
    for event, ref, reading in zip(prepared.comments, prepared.refs, prepared.parsed, strict=True):
        if ref is not None and event.parsed is None:  # read from its text by the parser
            key = (event.platform.value, event.channel_external_id, event.external_id, event.text)
            result.phones[key] = reading.phone
    return result


async def _store_comments(
    conn: Connection, prepared: PreparedEvents, keys_claimed: bool
) -> StoreResult:
    # insert_comments_and_deliveries claims the keys itself; the setting (for the rest of the
    # transaction) skips the per-row trigger that would claim them again. Were it missing, the
    # trigger would find each key claimed for its own comment and let the row in: slower, never
    # wrong.
    if not keys_claimed:  # the webhook intake sets it as it begins (begin_intake_transaction)
        await conn.execute(query("claim_comment_keys_for_transaction"))
    rows = await conn.fetch(
        query("insert_comments_and_deliveries"), *comment_arguments(prepared), *_NO_DELIVERIES
    )
    return tally_comments(prepared, [row["session_id"] for row in rows])


async def _store_platform_orders(
    conn: Connection,
    orders: list[PlatformOrderEvent],
    channels: dict[ChannelKey, ChannelRef],
    result: StoreResult,
) -> None:
    newest: dict[tuple[str, str, str], PlatformOrderEvent] = {}
    for order in orders:  # one row per order in a statement: keep the newest delivery of each
        key = (order.platform.value, order.channel_external_id, order.external_order_id)
        if key not in newest or newest[key].updated_at < order.updated_at:
            newest[key] = order
    known = [
        (channels[(o.platform.value, o.channel_external_id)], o)
        for o in newest.values()
        if (o.platform.value, o.channel_external_id) in channels
    ]
    result.duplicates += len(orders) - len(newest)
    result.orphaned += len(newest) - len(known)
    if not known:
        return
    rows = await conn.fetch(
        query("upsert_platform_orders"),
        [ch.tenant_id for ch, _ in known],
        [ch.id for ch, _ in known],
        [o.external_order_id for _, o in known],
        [o.external_status for _, o in known],
        [o.model_dump(mode="json") for _, o in known],
        [o.updated_at for _, o in known],
    )
    result.stored += len(rows)
    result.duplicates += len(known) - len(rows)
    result.platform_channel_ids.update(r["channel_id"] for r in rows)


async def write_prepared(
    conn: Connection, prepared: PreparedEvents, *, keys_claimed: bool = False
) -> StoreResult:
    """A prepared batch's inserts, inside the caller's transaction. `keys_claimed`: the
    transaction made claim_comment_keys_for_transaction's setting already."""
    result = StoreResult()
    if prepared.comments:
        result = await _store_comments(conn, prepared, keys_claimed)
    await write_platform_orders(conn, prepared, result)
    return result


async def write_platform_orders(
    conn: Connection, prepared: PreparedEvents, result: StoreResult
) -> None:
    """The prepared platform orders' newest states, inside the caller's transaction."""
    if prepared.orders:
        await _store_platform_orders(conn, prepared.orders, prepared.channels, result)


async def store_events(
    conn: Connection,
    catalogs: CatalogCache,
    events: Sequence[CommentEvent | PlatformOrderEvent],
    *,
    keys_claimed: bool = False,
) -> StoreResult:
    """prepare_events then write_prepared, inside the caller's transaction."""
    prepared = await prepare_events(conn, catalogs, events)
    return await write_prepared(conn, prepared, keys_claimed=keys_claimed)


async def store_batch(
    pool: asyncpg.Pool, catalogs: CatalogCache, events: Sequence[CommentEvent | PlatformOrderEvent]
) -> StoreResult:
    """Parse and insert a batch in one transaction; repeated deliveries store nothing new."""
    async with pool.acquire() as conn, conn.transaction():
        return await store_events(conn, catalogs, events)
