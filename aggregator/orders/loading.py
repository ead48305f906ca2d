"""Read what a merge batch needs, each in one query: comments, orders, lines, history, products."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

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
        row["live_id"], row["tenant_settings"] or {}, row["promotion"] or {},
    )  # fmt: skip


async def load_pending(conn: Connection, session_id: int, limit: int) -> list[PendingComment]:
    rows = await conn.fetch(query("pending_comments_of_session"), session_id, limit)
    pending = []
    for r in rows:
        parsed = ParsedComment.model_validate(r["parsed"])
        comment = BuyerComment(
            r["id"], r["body"], parsed.intent, tuple(parsed.items), r["commented_at"]
        )
        replaced = ParsedComment.model_validate(r["replaced"]) if r["replaced"] else None
        pending.append(
            PendingComment(r["author_external_id"], r["author_name"], r["phone"], comment,
                           replaced, r["removed_at"] is not None)
        )  # fmt: skip
    return pending


async def load_history(
    conn: Connection, live_id: int, buyer_ids: list[int]
) -> dict[int, list[BuyerComment]]:
    """Per buyer, every comment of theirs in the live that still stands, on any of its channels,
    oldest first."""
    history: dict[int, list[BuyerComment]] = defaultdict(list)
    if not buyer_ids:
        return history
    for r in await conn.fetch(query("buyer_history_in_live"), live_id, buyer_ids):
        parsed = ParsedComment.model_validate(r["parsed"])
        history[r["buyer_id"]].append(
            BuyerComment(r["id"], r["body"], parsed.intent, tuple(parsed.items), r["commented_at"])
        )
    return history


async def load_lines(conn: Connection, order_ids: list[int]) -> dict[int, list[Line]]:
    lines: dict[int, list[Line]] = defaultdict(list)
    for r in await conn.fetch(query("live_lines_of_orders"), order_ids):
        key = (r["code"], r["variant"])
        lines[r["order_id"]].append(
            Line(r["id"], key, r["qty"], ItemStatus(r["status"]), r["queue_position"])
        )
    return lines


async def load_recent_texts(
    conn: Connection, session_id: int, authors: list[str], since: datetime
) -> dict[str, dict[str, datetime]]:
    """Per author, the repeat key of each comment already merged in this live, with its time."""
    recent: dict[str, dict[str, datetime]] = defaultdict(dict)
    if not authors:
        return recent
    for r in await conn.fetch(query("recent_comments_of_authors"), session_id, authors, since):
        key = repeat_key(r["body"])
        known = recent[r["author_external_id"]].get(key)
        if known is None or known < r["commented_at"]:
            recent[r["author_external_id"]][key] = r["commented_at"]
    return recent


async def load_products(conn: Connection, tenant_id: int, codes: set[str]) -> dict[str, ProductRef]:
    rows = await conn.fetch(query("products_by_code"), tenant_id, sorted(codes))
    return {r["code"]: ProductRef(r["id"], r["price_vnd"], r["variant_prices"]) for r in rows}
