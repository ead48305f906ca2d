"""The unclear-comments queue: what the merge could not read, resolved or dismissed by staff.

Two kinds of item: an unclear line of an open order (unknown code, "+1", "ib") and an order
comment that made no line at all. Resolving either puts a catalogue product on the buyer's
order through aggregator/orders/edits (stock rules, audit row); dismissing an unclear line
removes it (an order left empty is cancelled through the state module), dismissing a comment
marks it ignored. Every query is scoped by the staff member's tenant id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import asyncpg
import structlog

from aggregator.core.suggest import CatalogueEntry, Suggestion, suggest
from aggregator.errors import NotFoundError
from aggregator.orders.edits import (
    ActionRefusedError,
    NewLine,
    add_line,
    cancel_if_empty,
    lock_order,
    remove_unclear_line,
)
from aggregator.orders.loading import lock_session
from aggregator.orders.state import create_orders
from aggregator.staff.accounts import StaffUser
from schema.enums import ItemStatus, OrderSource
from schema.queries import query

log = structlog.get_logger()
QUEUE_LIMIT = 100


@dataclass(frozen=True, slots=True)
class UnclearItem:
    kind: str  # "line" or "comment"
    id: int  # line id or comment id
    row: dict[str, Any]
    suggestions: list[Suggestion] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Choice:
    """What staff picked: a product (and variant) and how many."""

    product_id: int
    variant: str
    qty: int


async def catalogue(pool: asyncpg.Pool, staff: StaffUser) -> list[asyncpg.Record]:
    return list(await pool.fetch(query("catalogue_for_staff"), staff.tenant_id))


def _entries(products: list[asyncpg.Record]) -> list[CatalogueEntry]:
    return [
        CatalogueEntry(p["id"], p["code"], p["name"], tuple(p["aliases"] or ())) for p in products
    ]


async def unclear_queue(
    pool: asyncpg.Pool, staff: StaffUser, products: list[asyncpg.Record]
) -> list[UnclearItem]:
    """Unclear lines then unplaced comments, newest first, each with catalogue suggestions."""
    entries = _entries(products)
    lines = await pool.fetch(query("unclear_lines"), staff.tenant_id, QUEUE_LIMIT)
    comments = await pool.fetch(query("unplaced_comments"), staff.tenant_id, QUEUE_LIMIT)
    items = [
        UnclearItem("line", r["line_id"], dict(r), suggest(r["body"] or "", r["code"], entries))
        for r in lines
    ]
    items += [
        UnclearItem("comment", r["comment_id"], dict(r), suggest(r["body"], "", entries))
        for r in comments
    ]
    return items


async def resolve_line(
    pool: asyncpg.Pool, staff: StaffUser, line_id: int, choice: Choice
) -> tuple[int, ItemStatus]:
    """The unclear line becomes a line of the chosen product; returns (order id, its status)."""
    async with pool.acquire() as conn, conn.transaction():
        order_id = await conn.fetchval(query("order_of_unclear_line"), staff.tenant_id, line_id)
        if order_id is None:
            raise NotFoundError(f"no unclear line {line_id}")
        order = await lock_order(conn, staff.tenant_id, order_id)
        old = await remove_unclear_line(
            conn, order, line_id, actor=staff.actor, reason="nhân viên đọc lại bình luận",
            kind="unclear_resolved",
        )  # fmt: skip
        new = NewLine(choice.product_id, choice.variant, choice.qty,
                      old["source_comment_id"], old["queue_position"])  # fmt: skip
        status = await add_line(
            conn, order, new, actor=staff.actor, reason="từ bình luận chưa rõ", kind="line_added"
        )
    log.info("unclear.line_resolved", order_id=order_id, line_id=line_id, status=status.value)
    return order_id, status


async def resolve_comment(
    pool: asyncpg.Pool, staff: StaffUser, comment_id: int, choice: Choice, confirm_window_s: float
) -> tuple[int, ItemStatus]:
    """The comment becomes a line on its buyer's open order in that live (a new order if none)."""
    async with pool.acquire() as conn, conn.transaction():
        found = await conn.fetchrow(query("lock_unplaced_comment"), staff.tenant_id, comment_id)
        if found is None:
            raise NotFoundError(f"no unplaced comment {comment_id}")
        await lock_session(conn, found["session_id"])  # the live's orders: one writer at a time
        order_id = await conn.fetchval(
            query("open_order_of_buyer_in_live"), found["session_id"], found["buyer_id"]
        )
        if order_id is None:
            created = await create_orders(
                conn, tenant_id=staff.tenant_id, session_id=found["session_id"],
                buyers=[(found["buyer_id"], found["identity_id"])], source=OrderSource.COMMENT,
                confirm_window_s=confirm_window_s, actor=staff.actor,
                reason="nhân viên tạo đơn từ bình luận chưa rõ",
            )  # fmt: skip
            order_id = created[found["identity_id"]]
        order = await lock_order(conn, staff.tenant_id, order_id)
        new = NewLine(choice.product_id, choice.variant, choice.qty, comment_id, comment_id)
        status = await add_line(
            conn, order, new, actor=staff.actor, reason="từ bình luận chưa rõ",
            kind="unclear_resolved",
        )  # fmt: skip
    log.info("unclear.comment_resolved", order_id=order_id, comment_id=comment_id)
    return order_id, status


async def dismiss_line(pool: asyncpg.Pool, staff: StaffUser, line_id: int) -> int:
    """Not an order: the unclear line goes; an order with nothing left is cancelled."""
    async with pool.acquire() as conn, conn.transaction():
        order_id = await conn.fetchval(query("order_of_unclear_line"), staff.tenant_id, line_id)
        if order_id is None:
            raise NotFoundError(f"no unclear line {line_id}")
        order = await lock_order(conn, staff.tenant_id, order_id)
        reason = "không phải đặt hàng"
        await remove_unclear_line(
            conn, order, line_id, actor=staff.actor, reason=reason, kind="unclear_dismissed"
        )
        await cancel_if_empty(conn, order, actor=staff.actor, reason=reason)
    log.info("unclear.line_dismissed", order_id=order_id, line_id=line_id)
    return int(order_id)


async def dismiss_comment(pool: asyncpg.Pool, staff: StaffUser, comment_id: int) -> None:
    done = await pool.fetchval(query("dismiss_comment"), staff.tenant_id, comment_id)
    if done is None:
        raise NotFoundError(f"no unplaced comment {comment_id}")
    log.info("unclear.comment_dismissed", comment_id=comment_id)


__all__ = ["ActionRefusedError", "Choice", "UnclearItem"]
