"""Read what a merge batch needs, each in one query: comments, orders, lines, history, products."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from aggregator.core.lines import Line
from aggregator.core.merge import BuyerComment, repeat_key
from aggregator.runtime.db import Connection
from schema.enums import HoldMode, ItemStatus
from schema.parsing import ParsedComment
from schema.queries import query
from schema.states import OrderStatus


@dataclass(frozen=True, slots=True)
class SessionInfo:
    id: int
    tenant_id: int
    channel_id: int
    hold_mode: HoldMode  # the live's
    status: str  # scheduled, live or ended
    live_id: int  # the broadcast this session (one channel of it) belongs to: the stock's pool
    # What a new order's totals need: the cooperative's settings (fees) and the live's promotion.
    tenant_settings: Mapping[str, Any] = field(default_factory=dict)
    promotion: Mapping[str, Any] = field(default_factory=dict)
    # A rehearsal: its buyers are matched by phone with sandbox buyers only.
    sandbox: bool = False


@dataclass(frozen=True, slots=True)
class PendingComment:
    author: str
    author_name: str
    phone: str | None
    comment: BuyerComment
    # An edit or removal of a comment already merged: what it said when merged, and whether the
    # buyer removed it (0017_comment_revisions). Both empty for a new comment.
    replaced: ParsedComment | None = None
    removed: bool = False

    @property
    def revision(self) -> bool:
        return self.replaced is not None


@dataclass(frozen=True, slots=True)
class OpenOrder:
    id: int
    buyer_id: int
    status: OrderStatus


@dataclass(frozen=True, slots=True)
class ProductRef:
    id: int
    price_vnd: int
    variant_prices: Mapping[str, int] = field(default_factory=dict)  # variants priced apart

    def price_of(self, variant: str) -> int:
        """A line's unit price: its variant's own (2kg of lychee), else the product's."""
        return self.variant_prices.get(variant, self.price_vnd)


async def lock_session(conn: Connection, session_id: int) -> SessionInfo | None:
    """Take the merge lock of the session's live (until the transaction ends: every channel of
    the live takes turns) and read the session."""
    row = await conn.fetchrow(query("lock_session_for_merge"), session_id)
    if row is None or row["id"] is None:
        return None
    return SessionInfo(
        row["id"], row["tenant_id"], row["channel_id"], HoldMode(row["hold_mode"]), row["status"],
        row["live_id"], row["tenant_settings"] or {}, row["promotion"] or {}, row["sandbox"],
    )  # fmt: skip


async def lock_sessions(conn: Connection, session_ids: list[int]) -> dict[int, SessionInfo]:
    """lock_session for several lives: every live's lock in live id order, then the sessions (in
    lock order; a session that does not exist is left out)."""
    rows = await conn.fetch(query("lock_sessions_for_merge"), session_ids)
    return {
        r["id"]: SessionInfo(
            r["id"], r["tenant_id"], r["channel_id"], HoldMode(r["hold_mode"]), r["status"],
            r["live_id"], r["tenant_settings"] or {}, r["promotion"] or {}, r["sandbox"],
        )
        for r in rows
    }  # fmt: skip


async def pending_counts(conn: Connection, session_ids: list[int], limit: int) -> dict[int, int]:
    """Comments waiting in each session, counted up to `limit`, in the order given."""
    rows = await conn.fetch(query("pending_counts_of_sessions"), session_ids, limit)
    return {r["id"]: r["pending"] for r in rows}


def _buyer_comment(r: asyncpg.Record) -> BuyerComment:
    parsed = ParsedComment.model_validate(r["parsed"])
    return BuyerComment(r["id"], r["body"], parsed.intent, tuple(parsed.items), r["commented_at"])


async def load_pending(
    conn: Connection, session_ids: list[int], limit: int
) -> dict[int, list[PendingComment]]:
    """Each session's oldest waiting comments, up to `limit` each."""
    pending: dict[int, list[PendingComment]] = defaultdict(list)
    for r in await conn.fetch(query("pending_comments_of_sessions"), session_ids, limit):
        replaced = ParsedComment.model_validate(r["replaced"]) if r["replaced"] else None
        pending[r["session_id"]].append(
            PendingComment(r["author_external_id"], r["author_name"], r["phone"],
                           _buyer_comment(r), replaced, r["removed_at"] is not None)
        )  # fmt: skip
    return pending


async def load_history(
    conn: Connection, buyers: list[tuple[int, int]]
) -> dict[tuple[int, int], list[BuyerComment]]:
    """Per (live, buyer), every comment of theirs in the live that still stands, on any of its
    channels, oldest first."""
    history: dict[tuple[int, int], list[BuyerComment]] = defaultdict(list)
    if not buyers:
        return history
    rows = await conn.fetch(
        query("buyer_history_in_lives"), [b[0] for b in buyers], [b[1] for b in buyers]
    )
    for r in rows:
        history[(r["live_id"], r["buyer_id"])].append(_buyer_comment(r))
    return history


async def load_lines(conn: Connection, order_ids: list[int]) -> dict[int, list[Line]]:
    lines: dict[int, list[Line]] = defaultdict(list)
    for r in await conn.fetch(query("live_lines_of_orders"), order_ids):
        key = (r["code"], r["variant"])
        lines[r["order_id"]].append(
            Line(r["id"], key, r["qty"], ItemStatus(r["status"]), r["queue_position"])
        )
    return lines


AuthorKey = tuple[int, str]  # (session id, author's external id): an author of one session


async def load_recent_texts(
    conn: Connection, authors: list[AuthorKey], channel_of: Mapping[int, int], since: datetime
) -> dict[AuthorKey, dict[str, datetime]]:
    """Per author of a session, the repeat key of each comment already merged in that session,
    with its time. `channel_of`: each session's channel (the comments' index leads with it)."""
    recent: dict[AuthorKey, dict[str, datetime]] = defaultdict(dict)
    if not authors:
        return recent
    rows = await conn.fetch(
        query("recent_comments_of_session_authors"),
        [a[0] for a in authors],
        [channel_of[a[0]] for a in authors],
        [a[1] for a in authors],
        since,
    )
    for r in rows:
        key, seen = repeat_key(r["body"]), recent[(r["session_id"], r["author_external_id"])]
        if key not in seen or seen[key] < r["commented_at"]:
            seen[key] = r["commented_at"]
    return recent


async def load_products(
    conn: Connection, codes: set[tuple[int, str]]
) -> dict[tuple[int, str], ProductRef]:
    """The products named by (tenant, code)."""
    wanted = sorted(codes)
    rows = await conn.fetch(
        query("products_by_tenant_code"), [c[0] for c in wanted], [c[1] for c in wanted]
    )
    return {
        (r["tenant_id"], r["code"]): ProductRef(r["id"], r["price_vnd"], r["variant_prices"])
        for r in rows
    }
