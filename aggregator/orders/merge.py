"""Merge a live session's pending comments into orders, one locked batch per transaction.

The advisory lock is the live's (every channel of it): two jobs never merge the same comments,
and two channels' jobs for one buyer take turns, so the buyer keeps one open order per live. The
stock is the live's pool. Everything a batch changes (orders, lines, stock, audit rows, the
comments' processed mark) commits together, so a worker killed mid-batch leaves nothing
half-applied and the next job simply redoes the batch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg
import structlog

from aggregator.core.lines import Line, current_quantities, plan_changes
from aggregator.core.merge import (
    REPEAT_WINDOW,
    UNCLEAR_CODE,
    BuyerComment,
    MergeResult,
    merge_comments,
    named_lines,
    recompute,
)
from aggregator.orders.buyers import Identity, link_phones, resolve_identities
from aggregator.orders.changes import BatchChanges
from aggregator.orders.consolidate import open_orders_by_buyer
from aggregator.orders.loading import (
    OpenOrder,
    PendingComment,
    SessionInfo,
    load_history,
    load_lines,
    load_pending,
    load_products,
    load_recent_texts,
    lock_session,
)
from aggregator.orders.state import (
    INITIAL_STATUS,
    EventRow,
    NewOrder,
    create_orders_with_totals,
    reserve_order_ids,
    transition,
)
from aggregator.orders.stock import promote_waitlists, release_orders
from aggregator.orders.totals import new_order_totals, recompute_totals
from aggregator.runtime.db import Connection
from schema.enums import OrderSource
from schema.queries import query
from schema.states import OrderStatus

log = structlog.get_logger()
ACTOR = "system:merge"


@dataclass(frozen=True, slots=True)
class MergeConfig:
    batch_size: int = 2_000
    confirm_window_s: float = 30 * 60


@dataclass
class MergeStats:
    comments: int = 0
    repeats: int = 0
    orders_created: int = 0
    orders_cancelled: int = 0
    batches: int = 0
    # Orders created or whose lines changed (for the buyer's message, sent after the commit).
    orders_touched: set[int] = field(default_factory=set)


async def merge_session(
    pool: asyncpg.Pool, session_id: int, config: MergeConfig | None = None
) -> MergeStats:
    """Merge every pending comment of the session, batch after batch, until none is left."""
    return (await merge_sessions(pool, [session_id], config))[session_id]


async def pending_sessions(pool: asyncpg.Pool, shard: int, shards: int) -> list[int]:
    """The sessions of this shard (session id modulo `shards`) with comments waiting."""
    rows = await pool.fetch(query("sessions_with_pending_comments"), shard, shards)
    return [r["session_id"] for r in rows]


async def merge_sessions(
    pool: asyncpg.Pool, session_ids: Sequence[int], config: MergeConfig | None = None
) -> dict[int, MergeStats]:
    """Merge every pending comment of these sessions, several lives per transaction.

    A transaction takes sessions in their lives' order (so two jobs holding several live locks
    never wait on each other in a circle) until it has merged `batch_size` comments, then
    commits; a session with more left than one batch comes round again. Few comments per live
    (a burst over many lives) thus cost one transaction, not one per live. A transaction that
    fails is redone one live per transaction, so a live that cannot merge holds back only
    itself; its error is raised once the others are merged (the job is retried).
    """
    config = config or MergeConfig()
    stats = {session_id: MergeStats() for session_id in session_ids}
    failures: list[Exception] = []
    async with pool.acquire() as conn:
        remaining = await _in_lock_order(conn, list(stats))
        while remaining:
            more: list[int] = []  # sessions with more than a batch waiting: another round
            while remaining:
                group: list[int] = []
                try:
                    more += await _merge_group(conn, remaining, group, config, stats)
                except Exception as exc:  # redone live by live just below
                    if not group:  # the transaction never started: nothing to split
                        raise
                    if len(group) == 1:
                        failures.append(exc)
                        continue
                    for session_id in group:
                        try:
                            more += await _merge_group(conn, [session_id], [], config, stats)
                        except Exception as alone:  # raised after the others
                            log.warning("order.merge_failed", session_id=session_id)
                            failures.append(alone)
            remaining = more  # a live that failed is not in it: the job's retry takes it
    if failures:
        raise failures[0]
    return stats


async def _merge_group(
    conn: Connection,
    remaining: list[int],
    group: list[int],
    config: MergeConfig,
    stats: dict[int, MergeStats],
) -> list[int]:
    """One transaction over sessions taken from the head of `remaining` (recorded in `group`)
    until `batch_size` comments; returns those with more left. Stats count only once committed."""
    counted: dict[int, MergeStats] = {}
    full: list[int] = []
    async with conn.transaction():
        merged = 0
        while remaining and merged < config.batch_size:
            session_id = remaining.pop(0)
            group.append(session_id)
            counted[session_id] = MergeStats()
            count = await _merge_batch(conn, session_id, config, counted[session_id])
            merged += count
            if count >= config.batch_size:
                full.append(session_id)
    for session_id, done in counted.items():
        _add(stats[session_id], done)
    return full


def _add(total: MergeStats, done: MergeStats) -> None:
    total.comments += done.comments
    total.repeats += done.repeats
    total.orders_created += done.orders_created
    total.orders_cancelled += done.orders_cancelled
    total.batches += done.batches
    total.orders_touched |= done.orders_touched


async def _in_lock_order(conn: Connection, session_ids: list[int]) -> list[int]:
    rows = await conn.fetch(query("sessions_in_lock_order"), session_ids)
    return [r["id"] for r in rows]


def _group_by_author(pending: list[PendingComment]) -> dict[str, list[PendingComment]]:
    grouped: dict[str, list[PendingComment]] = defaultdict(list)
    for p in pending:
        grouped[p.author].append(p)
    return grouped


async def _link_phones(
    conn: Connection,
    session: SessionInfo,
    pending: list[PendingComment],
    identities: dict[str, Identity],
) -> None:
    """Link identities by the phones in these comments (an identity may change buyer)."""
    written = {identities[p.author]: p.phone for p in pending if p.phone}
    linked = await link_phones(conn, session.tenant_id, session.id, written)
    author_of = {identity.id: author for author, identity in identities.items()}
    for identity_id, identity in linked.items():
        identities[author_of[identity_id]] = identity


@dataclass
class _Buyer:
    """The comments of one buyer in a batch (several accounts of one person are one buyer)."""

    identity: Identity  # the first account: the one a new order answers
    authors: list[str]
    comments: list[PendingComment]


def _by_buyer(
    by_author: dict[str, list[PendingComment]], identities: dict[str, Identity]
) -> dict[int, _Buyer]:
    buyers: dict[int, _Buyer] = {}
    for author in sorted(by_author, key=lambda a: by_author[a][0].comment.comment_id):
        identity = identities[author]
        entry = buyers.setdefault(identity.buyer_id, _Buyer(identity, [], []))
        entry.authors.append(author)
        entry.comments += by_author[author]
    for entry in buyers.values():
        entry.comments.sort(key=lambda p: p.comment.comment_id)
    return buyers


def _recent_of(recent: dict[str, dict[str, datetime]], authors: list[str]) -> dict[str, datetime]:
    merged: dict[str, datetime] = {}
    for author in authors:
        for key, at in recent[author].items():
            merged[key] = max(at, merged.get(key, at))
    return merged


async def _merge_batch(
    conn: Connection, session_id: int, config: MergeConfig, stats: MergeStats
) -> int:
    session = await lock_session(conn, session_id)
    pending = await load_pending(conn, session_id, config.batch_size) if session else []
    if session is None or not pending:
        return 0
    by_author = _group_by_author(pending)
    names = {a: items[-1].author_name for a, items in by_author.items()}
    identities, new = await resolve_identities(conn, session.tenant_id, session.channel_id, names)
    await _link_phones(conn, session, pending, identities)
    live_orders = await open_orders_by_buyer(
        conn, session.tenant_id, session.live_id, identities.values(), actor=ACTOR
    )
    orders = live_orders.by_buyer
    lines = await load_lines(conn, [o.id for o in orders.values()])
    since = min(p.comment.commented_at for p in pending) - REPEAT_WINDOW
    known_authors = [a for a in by_author if a not in new]  # new buyers have no history
    recent = await load_recent_texts(conn, session_id, known_authors, since)
    buyers = _by_buyer(by_author, identities)
    revising = [b for b, e in buyers.items() if any(p.revision for p in e.comments)]
    history = await load_history(conn, session.live_id, revising)
    results: dict[int, MergeResult] = {}
    for buyer_id, entry in buyers.items():
        order = orders.get(buyer_id)
        current = current_quantities(lines.get(order.id, [])) if order else {}
        fresh = [p.comment for p in entry.comments if not p.revision and not p.removed]
        results[buyer_id] = merge_comments(current, fresh, _recent_of(recent, entry.authors))
        if order is not None:  # an order no longer open (packed, shipped…) is not rewritten
            _revise(results[buyer_id], entry.comments, history[buyer_id])
    changes, totalled = await _apply(conn, session, buyers, orders, lines, results, config, stats)
    touched = changes | live_orders.touched
    stats.orders_touched.update(touched)
    if touched - totalled:
        await recompute_totals(conn, touched - totalled)
    await conn.execute(query("mark_comments_processed"), [p.comment.comment_id for p in pending])
    stats.comments += len(pending)
    stats.repeats += sum(len(r.repeats) for r in results.values())
    stats.batches += 1
    return len(pending)


def _revise(
    result: MergeResult, comments: list[PendingComment], history: list[BuyerComment]
) -> None:
    """Rule 7 for the buyer's edited and removed comments: the lines they named, before or after,
    recomputed from everything the buyer wrote in this live that still stands."""
    revised = [p for p in comments if p.revision]
    if not revised:
        return
    named = {(UNCLEAR_CODE, "")}  # an edit can turn an unclear "+1" into a product, or back
    for p in revised:
        assert p.replaced is not None
        named |= named_lines(p.replaced.items)
        if not p.removed:
            named |= named_lines(p.comment.items)
    recompute(result, history, named, [p.comment.comment_id for p in revised])


def _new_orders_wanted(
    buyers: dict[int, _Buyer], orders: dict[int, OpenOrder], results: dict[int, MergeResult]
) -> list[int]:
    return [b for b, r in results.items() if r.wants_anything and b not in orders]


async def _create_orders(
    conn: Connection,
    session: SessionInfo,
    buyers: dict[int, _Buyer],
    new: dict[int, int],
    changes: BatchChanges,
    config: MergeConfig,
) -> None:
    """Insert the batch's new orders (buyer -> reserved id) with the totals of the lines they
    are about to get: written once, never updated in the transaction that created them."""
    counted = changes.counted_lines(set(new.values()))
    rows = []
    for buyer_id, order_id in new.items():
        totals, fee = new_order_totals(
            counted[order_id], session.tenant_settings, session.promotion
        )
        rows.append(
            NewOrder(order_id, buyer_id, buyers[buyer_id].identity.id, totals.subtotal_vnd,
                     totals.discount_vnd, totals.free_shipping, totals.total_vnd, fee)
        )  # fmt: skip
    await create_orders_with_totals(
        conn,
        tenant_id=session.tenant_id,
        session_id=session.id,
        orders=rows,
        source=OrderSource.COMMENT,
        confirm_window_s=config.confirm_window_s,
        actor=ACTOR,
        reason="order from comments",
    )


async def _apply(
    conn: Connection,
    session: SessionInfo,
    buyers: dict[int, _Buyer],
    orders: dict[int, OpenOrder],
    lines: dict[int, list[Line]],
    results: dict[int, MergeResult],
    config: MergeConfig,
    stats: MergeStats,
) -> tuple[set[int], set[int]]:
    """Write the batch's orders, lines and stock. Returns the orders whose lines changed, and the
    new ones among them whose totals are already right (created with them)."""
    wanted = _new_orders_wanted(buyers, orders, results)
    new = dict(zip(wanted, await reserve_order_ids(conn, len(wanted)), strict=True))
    for buyer_id, order_id in new.items():
        orders[buyer_id] = OpenOrder(order_id, buyer_id, INITIAL_STATUS)
    stats.orders_created += len(new)
    codes = {key[0] for r in results.values() for key in r.desired}
    changes = BatchChanges(session, await load_products(conn, session.tenant_id, codes))
    cancelled, changed_confirmed = [], []
    for buyer_id, result in results.items():
        order = orders.get(buyer_id)
        if order is None or not result.applied:
            continue
        if result.cancel_order:
            cancelled.append(order.id)
            continue
        last = result.applied[-1]
        positions = {key: result.first_comment.get(key, last) for key in result.desired}
        increases, shrinks = plan_changes(lines.get(order.id, []), result.desired, positions)
        changes.shrink(order.id, shrinks)
        changes.grow(order.id, increases, lines.get(order.id, []))
        if (increases or shrinks) and order.status is OrderStatus.CONFIRMED:
            changed_confirmed.append(order.id)
        changes.events.append(
            EventRow(session.tenant_id, order.id, ACTOR, "items_changed",
                     data={"comments": result.applied, "lines": _lines_json(result)})
        )  # fmt: skip
    await changes.plan(conn)
    await _create_orders(conn, session, buyers, new, changes, config)
    await changes.write(conn)
    promoted = await promote_waitlists(conn, session.live_id, changes.released_keys())
    await _finish_orders(conn, cancelled, changed_confirmed, stats)
    created = set(new.values())
    return changes.touched | created | set(promoted), created - set(promoted)


def _lines_json(result: MergeResult) -> dict[str, int]:
    return {f"{code}/{variant}" if variant else code or "?": qty
            for (code, variant), qty in result.desired.items()}  # fmt: skip


async def _finish_orders(
    conn: Connection,
    cancelled: list[int],
    changed_confirmed: list[int],
    stats: MergeStats,
) -> None:
    if cancelled:
        await release_orders(conn, cancelled)
        moved = await transition(
            conn, cancelled, OrderStatus.CANCELLED, actor=ACTOR, reason="buyer cancelled"
        )
        stats.orders_cancelled += len(moved.moved)
    if changed_confirmed:
        await conn.execute(query("flag_reconfirmation"), changed_confirmed)
        await transition(
            conn, changed_confirmed, OrderStatus.AWAITING_CONFIRMATION,
            actor=ACTOR, reason="buyer changed a confirmed order",
        )  # fmt: skip
