"""Merge live sessions' pending comments into orders, several lives per locked transaction.

The advisory lock is the live's (every channel of it): two jobs never merge the same comments,
and two channels' jobs for one buyer take turns, so the buyer keeps one open order per live. The
stock is the live's pool. Everything a transaction changes (orders, lines, stock, audit rows,
the comments' processed mark) commits together, so a worker killed mid-batch leaves nothing
half-applied and the next job simply redoes the batch.

A transaction reads and writes all its lives at once, one statement per kind (the comments of
every session, their buyers, open orders, lines, products, stock; then the new orders, lines,
stock, audit rows, totals and processed marks): the merge rules run per buyer per live in
Python between the two, on data keyed by live (stock, orders), cooperative (products, phones) or
session (authors), so lives never mix. Per-statement costs (executor start, statement triggers,
round trips) are then paid once per transaction, not once per live.
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
from aggregator.orders.buyers import (
    Identity,
    ScopedPhone,
    link_scoped_phones,
    resolve_channel_identities,
)
from aggregator.orders.changes import BatchChanges
from aggregator.orders.consolidate import LiveOrders, open_orders_of_lives
from aggregator.orders.loading import (
    AuthorKey,
    OpenOrder,
    PendingComment,
    SessionInfo,
    load_history,
    load_lines,
    load_pending,
    load_products,
    load_recent_texts,
    lock_sessions,
    pending_counts,
)
from aggregator.orders.state import (
    INITIAL_STATUS,
    EventRow,
    NewOrder,
    create_orders_with_totals,
    reserve_order_ids,
    transition,
)
from aggregator.orders.stock import promote_waitlists_of_lives, release_orders
from aggregator.orders.totals import new_order_totals, recompute_totals
from aggregator.runtime.db import Connection
from schema.enums import OrderSource
from schema.queries import query
from schema.states import OrderStatus

log = structlog.get_logger()
ACTOR = "system:merge"
BuyerKey = tuple[int, int]  # (live id, buyer id): one open order each


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
    never wait on each other in a circle) until they hold `batch_size` comments, then commits; a
    session with more left than one batch comes round again. Few comments per live (a burst over
    many lives) thus cost one transaction, not one per live. A transaction that fails is redone
    one live per transaction, so a live that cannot merge holds back only itself; its error is
    raised once the others are merged (the job is retried).
    """
    config = config or MergeConfig()
    stats = {session_id: MergeStats() for session_id in session_ids}
    failures: list[Exception] = []
    async with pool.acquire() as conn:
        remaining = await _in_lock_order(conn, list(stats))
        while remaining:
            more: list[int] = []  # sessions with more than a batch waiting: another round
            for group in await _groups(conn, remaining, config.batch_size):
                try:
                    more += await _merge_group(conn, group, config, stats)
                except Exception as exc:  # redone live by live just below
                    if len(group) == 1:
                        failures.append(exc)
                        continue
                    # Said out loud: a fault of the set-based code itself would otherwise only
                    # show as every transaction merging one live.
                    log.warning("order.merge_group_failed", sessions=group, error=repr(exc))
                    for session_id in group:
                        try:
                            more += await _merge_group(conn, [session_id], config, stats)
                        except Exception as alone:  # raised after the others
                            log.warning("order.merge_failed", session_id=session_id)
                            failures.append(alone)
            remaining = more  # a live that failed is not in it: the job's retry takes it
    if failures:
        raise failures[0]
    return stats


async def _groups(conn: Connection, remaining: list[int], batch_size: int) -> list[list[int]]:
    """The sessions with comments waiting, cut into transactions of about `batch_size` comments
    (the last session of each may take it past: a session's batch is never split)."""
    counts = await pending_counts(conn, remaining, batch_size)
    groups: list[list[int]] = [[]]
    merged = 0
    for session_id in remaining:
        if not counts.get(session_id):
            continue
        if merged >= batch_size:
            groups.append([])
            merged = 0
        groups[-1].append(session_id)
        merged += counts[session_id]
    return [g for g in groups if g]


async def _merge_group(
    conn: Connection, group: list[int], config: MergeConfig, stats: dict[int, MergeStats]
) -> list[int]:
    """One transaction over the group's sessions; returns those with more left. Stats count
    only once committed."""
    async with conn.transaction():
        done = await _merge_batch(conn, group, config)
    for session_id, counted in done.items():
        _add(stats[session_id], counted)
    return [s for s, counted in done.items() if counted.comments >= config.batch_size]


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


@dataclass
class _Buyer:
    """The comments of one buyer in one live in a batch (several accounts of one person, on
    one or several channels of the live, are one buyer)."""

    session: SessionInfo  # of the first account: the one a new order answers
    identity: Identity
    authors: list[AuthorKey]
    comments: list[PendingComment]


@dataclass
class _Batch:
    """What one transaction read, for every live in it."""

    sessions: dict[int, SessionInfo]
    pending: dict[int, list[PendingComment]]
    buyers: dict[BuyerKey, _Buyer]
    live_orders: dict[int, LiveOrders]
    orders: dict[BuyerKey, OpenOrder]
    lines: dict[int, list[Line]]
    stats: dict[int, MergeStats]
    results: dict[BuyerKey, MergeResult] = field(default_factory=dict)

    def first_session(self, live_id: int) -> int:
        return next(s.id for s in self.sessions.values() if s.live_id == live_id)


def _by_author(pending: dict[int, list[PendingComment]]) -> dict[AuthorKey, list[PendingComment]]:
    grouped: dict[AuthorKey, list[PendingComment]] = defaultdict(list)
    for session_id, comments in pending.items():
        for p in comments:
            grouped[(session_id, p.author)].append(p)
    return grouped


async def _identities(
    conn: Connection,
    sessions: dict[int, SessionInfo],
    by_author: dict[AuthorKey, list[PendingComment]],
) -> tuple[dict[AuthorKey, Identity], set[AuthorKey]]:
    """Each author's identity (by the channel of their session), and the authors new today."""
    channel = {a: (sessions[a[0]].channel_id, a[1]) for a in by_author}
    names = {
        channel[a]: (sessions[a[0]].tenant_id, c[-1].author_name) for a, c in by_author.items()
    }
    found, new = await resolve_channel_identities(conn, names)
    return {a: found[channel[a]] for a in by_author}, {a for a in by_author if channel[a] in new}


async def _link_phones(
    conn: Connection,
    sessions: dict[int, SessionInfo],
    pending: dict[int, list[PendingComment]],
    identities: dict[AuthorKey, Identity],
) -> None:
    """Link identities by the phones in these comments (an identity may change buyer); a phone
    names one buyer of the live's cooperative, on the live's side of the sandbox boundary."""
    written: dict[Identity, ScopedPhone] = {}
    for session_id, comments in pending.items():
        session = sessions[session_id]
        for p in comments:
            if p.phone:
                scope = (session.tenant_id, session.sandbox)
                written[identities[(session_id, p.author)]] = (scope, p.phone)
    linked = await link_scoped_phones(conn, written)
    for author, identity in identities.items():
        if identity.id in linked:
            identities[author] = linked[identity.id]


def _by_buyer(
    sessions: dict[int, SessionInfo],
    by_author: dict[AuthorKey, list[PendingComment]],
    identities: dict[AuthorKey, Identity],
) -> dict[BuyerKey, _Buyer]:
    buyers: dict[BuyerKey, _Buyer] = {}
    for author in sorted(by_author, key=lambda a: by_author[a][0].comment.comment_id):
        identity, session = identities[author], sessions[author[0]]
        entry = buyers.setdefault(
            (session.live_id, identity.buyer_id), _Buyer(session, identity, [], [])
        )
        entry.authors.append(author)
        entry.comments += by_author[author]
    for entry in buyers.values():
        entry.comments.sort(key=lambda p: p.comment.comment_id)
    return buyers


def _recent_of(
    recent: dict[AuthorKey, dict[str, datetime]], authors: list[AuthorKey]
) -> dict[str, datetime]:
    merged: dict[str, datetime] = {}
    for author in authors:
        for key, at in recent[author].items():
            merged[key] = max(at, merged.get(key, at))
    return merged


async def _load(conn: Connection, group: list[int], config: MergeConfig) -> _Batch | None:
    """Lock the group's lives, then read what their merge needs, one statement per kind."""
    sessions = await lock_sessions(conn, group)
    pending = await load_pending(conn, list(sessions), config.batch_size) if sessions else {}
    if not pending:
        return None
    by_author = _by_author(pending)
    identities, new = await _identities(conn, sessions, by_author)
    await _link_phones(conn, sessions, pending, identities)
    wanted: dict[int, tuple[int, list[Identity]]] = {}
    for author, identity in identities.items():
        session = sessions[author[0]]
        wanted.setdefault(session.live_id, (session.tenant_id, []))[1].append(identity)
    live_orders = await open_orders_of_lives(conn, wanted, actor=ACTOR)
    orders = {(live_id, buyer_id): order for live_id, found in live_orders.items()
              for buyer_id, order in found.by_buyer.items()}  # fmt: skip
    lines = await load_lines(conn, [o.id for o in orders.values()])
    batch = _Batch(sessions, pending, _by_buyer(sessions, by_author, identities), live_orders,
                   orders, lines, {s: MergeStats() for s in pending})  # fmt: skip
    since = min(p.comment.commented_at for c in pending.values() for p in c) - REPEAT_WINDOW
    channels = {s.id: s.channel_id for s in sessions.values()}
    recent = await load_recent_texts(conn, [a for a in by_author if a not in new], channels, since)
    batch.results = await _results(conn, batch, recent)
    return batch


async def _results(
    conn: Connection, batch: _Batch, recent: dict[AuthorKey, dict[str, datetime]]
) -> dict[BuyerKey, MergeResult]:
    """The merge rules, per buyer per live: what each one's order should become."""
    revising = [k for k, e in batch.buyers.items() if any(p.revision for p in e.comments)]
    history = await load_history(conn, revising)
    results: dict[BuyerKey, MergeResult] = {}
    for key, entry in batch.buyers.items():
        order = batch.orders.get(key)
        current = current_quantities(batch.lines.get(order.id, [])) if order else {}
        fresh = [p.comment for p in entry.comments if not p.revision and not p.removed]
        results[key] = merge_comments(current, fresh, _recent_of(recent, entry.authors))
        if order is not None:  # an order no longer open (packed, shipped…) is not rewritten
            _revise(results[key], entry.comments, history[key])
    return results


async def _merge_batch(
    conn: Connection, group: list[int], config: MergeConfig
) -> dict[int, MergeStats]:
    """Merge a batch of each session of the group (its lives locked first); stats per session."""
    batch = await _load(conn, group, config)
    if batch is None:
        return {}
    changes, totalled = await _apply(conn, batch, config)
    touched = set(changes)
    for live_id, found in batch.live_orders.items():
        batch.stats[batch.first_session(live_id)].orders_touched |= found.touched
        touched |= found.touched
    if touched - totalled:
        await recompute_totals(conn, touched - totalled)
    comments = [p.comment.comment_id for c in batch.pending.values() for p in c]
    await conn.execute(query("mark_comments_processed"), comments)
    session_of = {p.comment.comment_id: s for s, c in batch.pending.items() for p in c}
    for result in batch.results.values():
        for comment_id in result.repeats:
            batch.stats[session_of[comment_id]].repeats += 1
    for session_id, done in batch.stats.items():
        done.comments += len(batch.pending[session_id])
        done.batches += 1
    return batch.stats


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


async def _create_orders(
    conn: Connection,
    batch: _Batch,
    new: dict[BuyerKey, int],
    changes: BatchChanges,
    config: MergeConfig,
) -> None:
    """Insert the batch's new orders ((live, buyer) -> reserved id) with the totals of the lines
    they are about to get: written once, never updated in the transaction that created them."""
    counted = changes.counted_lines(set(new.values()))
    rows = []
    for key, order_id in new.items():
        buyer = batch.buyers[key]
        session = buyer.session
        totals, fee = new_order_totals(
            counted[order_id], session.tenant_settings, session.promotion
        )
        rows.append(
            NewOrder(order_id, session.tenant_id, session.id, key[1], buyer.identity.id,
                     totals.subtotal_vnd, totals.discount_vnd, totals.free_shipping,
                     totals.total_vnd, fee)
        )  # fmt: skip
    await create_orders_with_totals(
        conn,
        orders=rows,
        source=OrderSource.COMMENT,
        confirm_window_s=config.confirm_window_s,
        actor=ACTOR,
        reason="order from comments",
    )


async def _apply(conn: Connection, batch: _Batch, config: MergeConfig) -> tuple[set[int], set[int]]:
    """Write the batch's orders, lines and stock. Returns the orders whose lines changed, and the
    new ones among them whose totals are already right (created with them)."""
    orders, results = batch.orders, batch.results
    wanted = [k for k, r in results.items() if r.wants_anything and k not in orders]
    new = dict(zip(wanted, await reserve_order_ids(conn, len(wanted)), strict=True))
    for key, order_id in new.items():
        orders[key] = OpenOrder(order_id, key[1], INITIAL_STATUS)
        batch.stats[batch.buyers[key].session.id].orders_created += 1
    codes = {(batch.buyers[k].session.tenant_id, line[0]) for k, r in results.items()
             for line in r.desired}  # fmt: skip
    changes = BatchChanges(await load_products(conn, codes))
    cancelled: dict[int, int] = {}  # order -> the session its buyer wrote in
    changed_confirmed: list[int] = []
    for key, result in results.items():
        order, buyer = orders.get(key), batch.buyers[key]
        if order is None or not result.applied:
            continue
        if result.cancel_order:
            cancelled[order.id] = buyer.session.id
            continue
        last = result.applied[-1]
        positions = {line: result.first_comment.get(line, last) for line in result.desired}
        lines = batch.lines.get(order.id, [])
        increases, shrinks = plan_changes(lines, result.desired, positions)
        changes.shrink(buyer.session, order.id, shrinks)
        changes.grow(buyer.session, order.id, increases, lines)
        if (increases or shrinks) and order.status is OrderStatus.CONFIRMED:
            changed_confirmed.append(order.id)
        changes.events.append(
            EventRow(buyer.session.tenant_id, order.id, ACTOR, "items_changed",
                     data={"comments": result.applied, "lines": _lines_json(result)})
        )  # fmt: skip
    await changes.plan(conn)
    await _create_orders(conn, batch, new, changes, config)
    await changes.write(conn)
    promoted: set[int] = set()
    for live_id, freed in (await promote_waitlists_of_lives(conn, changes.released)).items():
        batch.stats[batch.first_session(live_id)].orders_touched.update(freed)
        promoted.update(freed)
    await _finish_orders(conn, cancelled, changed_confirmed, batch.stats)
    for key, order_id in new.items():
        batch.stats[batch.buyers[key].session.id].orders_touched.add(order_id)
    for key, order in orders.items():
        if order.id in changes.touched:
            batch.stats[batch.buyers[key].session.id].orders_touched.add(order.id)
    created = set(new.values())
    return changes.touched | created | promoted, created - promoted


def _lines_json(result: MergeResult) -> dict[str, int]:
    return {f"{code}/{variant}" if variant else code or "?": qty
            for (code, variant), qty in result.desired.items()}  # fmt: skip


async def _finish_orders(
    conn: Connection,
    cancelled: dict[int, int],
    changed_confirmed: list[int],
    stats: dict[int, MergeStats],
) -> None:
    if cancelled:
        ids = sorted(cancelled)
        await release_orders(conn, ids)
        moved = await transition(
            conn, ids, OrderStatus.CANCELLED, actor=ACTOR, reason="buyer cancelled"
        )
        for order_id in moved.moved:
            stats[cancelled[order_id]].orders_cancelled += 1
    if changed_confirmed:
        await conn.execute(query("flag_reconfirmation"), changed_confirmed)
        await transition(
            conn, changed_confirmed, OrderStatus.AWAITING_CONFIRMATION,
            actor=ACTOR, reason="buyer changed a confirmed order",
        )  # fmt: skip
