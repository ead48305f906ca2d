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
from datetime import datetime

import asyncpg
import structlog

from aggregator.core.lines import current_quantities
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
from aggregator.orders.consolidate import open_orders_of_lives
from aggregator.orders.loading import (
    AuthorKey,
    PendingComment,
    SessionInfo,
    load_history,
    load_lines,
    load_pending,
    load_recent_texts,
    lock_sessions,
    pending_counts,
)
from aggregator.orders.merge_batch import (
    ACTOR,
    BuyerKey,
    MergeBatch,
    MergeBuyer,
    MergeConfig,
    MergeStats,
)
from aggregator.orders.merge_writes import apply_batch
from aggregator.orders.totals import recompute_totals
from aggregator.runtime.db import Connection
from schema.queries import query

log = structlog.get_logger()
__all__ = [
    "MergeConfig",
    "MergeStats",
    "merge_session",
    "merge_sessions",
    "merge_waiting",
    "pending_sessions",
]


async def merge_session(
    pool: asyncpg.Pool, session_id: int, config: MergeConfig | None = None
) -> MergeStats:
    """Merge every pending comment of the session, batch after batch, until none is left."""
    return (await merge_sessions(pool, [session_id], config))[session_id]


async def pending_sessions(conn: Connection, shard: int, shards: int) -> dict[int, int]:
    """The sessions of this shard (session id modulo `shards`) with comments waiting, in the
    order a transaction takes their lives' locks, each with how many wait: what
    merge_waiting needs to cut a round into transactions without asking again."""
    rows = await conn.fetch(query("waiting_sessions_of_shard"), shard, shards)
    return {r["id"]: r["pending"] for r in rows}


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
    async with pool.acquire() as conn:
        ordered = await _in_lock_order(conn, list(dict.fromkeys(session_ids)))
        counts = await pending_counts(conn, ordered, config.batch_size)
        stats = await merge_waiting(conn, counts, config)
    return {session_id: stats.get(session_id, MergeStats()) for session_id in session_ids}


async def merge_waiting(
    conn: Connection, waiting: dict[int, int], config: MergeConfig | None = None
) -> dict[int, MergeStats]:
    """merge_sessions on this connection, for sessions already in lock order with how many
    comments wait in each (pending_sessions, or pending_counts): a merge runner's round asks
    for its sessions once, not three times (which, in what order, how many), on the connection
    it holds, not two more borrowed from the pool (each reset on its return)."""
    config = config or MergeConfig()
    stats = {session_id: MergeStats() for session_id in waiting}
    failures: list[Exception] = []
    counts = {s: min(n, config.batch_size) for s, n in waiting.items()}
    remaining = list(waiting)
    while remaining:
        more: list[int] = []  # sessions with more than a batch waiting: another round
        for group in _groups(remaining, counts, config.batch_size):
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
        if remaining:
            counts = await pending_counts(conn, remaining, config.batch_size)
    if failures:
        raise failures[0]
    return stats


def _groups(remaining: list[int], counts: dict[int, int], batch_size: int) -> list[list[int]]:
    """The sessions with comments waiting, cut into transactions of about `batch_size` comments
    (the last session of each may take it past: a session's batch is never split)."""
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
    if done.comments:
        total.span(done.first_comment, done.last_comment)


async def _in_lock_order(conn: Connection, session_ids: list[int]) -> list[int]:
    rows = await conn.fetch(query("sessions_in_lock_order"), session_ids)
    return [r["id"] for r in rows]


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
) -> dict[BuyerKey, MergeBuyer]:
    buyers: dict[BuyerKey, MergeBuyer] = {}
    for author in sorted(by_author, key=lambda a: by_author[a][0].comment.comment_id):
        identity, session = identities[author], sessions[author[0]]
        entry = buyers.setdefault(
            (session.live_id, identity.buyer_id), MergeBuyer(session, identity, [], [])
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


async def _load(conn: Connection, group: list[int], config: MergeConfig) -> MergeBatch | None:
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
    batch = MergeBatch(sessions, pending, _by_buyer(sessions, by_author, identities), live_orders,
                   orders, lines, {s: MergeStats() for s in pending})  # fmt: skip
    since = min(p.comment.commented_at for c in pending.values() for p in c) - REPEAT_WINDOW
    channels = {s.id: s.channel_id for s in sessions.values()}
    recent = await load_recent_texts(conn, [a for a in by_author if a not in new], channels, since)
    batch.results = await _results(conn, batch, recent)
    return batch


async def _results(
    conn: Connection, batch: MergeBatch, recent: dict[AuthorKey, dict[str, datetime]]
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
    changes, totalled = await apply_batch(conn, batch, config)
    touched = set(changes)
    for live_id, found in batch.live_orders.items():
        batch.stats[batch.first_session(live_id)].orders_touched |= found.touched
        touched |= found.touched
    if touched - totalled:
        await recompute_totals(conn, touched - totalled)
    ids_of = {s: [p.comment.comment_id for p in c] for s, c in batch.pending.items()}
    session_of = {comment_id: s for s, ids in ids_of.items() for comment_id in ids}
    await conn.execute(query("mark_comments_processed"), list(session_of))
    for result in batch.results.values():
        for comment_id in result.repeats:
            batch.stats[session_of[comment_id]].repeats += 1
    for session_id, done in batch.stats.items():
        ids = ids_of[session_id]
        done.comments += len(ids)
        done.batches += 1
        if ids:
            done.span(min(ids), max(ids))
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
