"""One open order per buyer per live, across channels.

A buyer is one person however many platform accounts they comment from; the accounts are linked
by the phone they write. When a link makes one buyer of two identities that each have an open
order in the same live (one on Facebook, one on Zalo), the orders become one: the lines of the
others move into one survivor (what they hold stays reserved, the pool is the live's), the others
end cancelled "merged into …", and a survivor that was already confirmed asks the buyer again.

Runs under the live's merge lock (every writer of the live's orders takes it first), so two
channels' merges for the same buyer take turns instead of racing to insert two orders; the
unique index orders_one_open_per_buyer_in_live is the wall behind it. The one case left to staff:
two orders that were both paid (money is not moved by a machine), flagged for merge review.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg
import structlog

from aggregator.orders.buyers import Identity
from aggregator.orders.loading import OpenOrder
from aggregator.orders.state import EventRow, record_events, transition
from aggregator.runtime.db import Connection
from schema.queries import query
from schema.states import OrderStatus

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class _Row:
    id: int
    buyer_id: int
    identity_id: int | None
    status: OrderStatus
    paid_at: datetime | None


@dataclass
class LiveOrders:
    """The open order of each buyer in the live, and the orders this step changed."""

    by_buyer: dict[int, OpenOrder] = field(default_factory=dict)
    touched: set[int] = field(default_factory=set)
    merged: list[int] = field(default_factory=list)


def _survivor(rows: list[_Row]) -> _Row:
    """The paid order keeps the money; else the confirmed one keeps the address; else the oldest."""
    return min(rows, key=lambda r: (r.paid_at is None, r.status is not OrderStatus.CONFIRMED, r.id))


async def open_orders_by_buyer(
    conn: Connection, tenant_id: int, live_id: int, identities: Iterable[Identity], *, actor: str
) -> LiveOrders:
    """The open order of each of these buyers in the live, merging duplicates a link made."""
    lives = await open_orders_of_lives(conn, {live_id: (tenant_id, list(identities))}, actor=actor)
    return lives[live_id]


async def open_orders_of_lives(
    conn: Connection, wanted: Mapping[int, tuple[int, list[Identity]]], *, actor: str
) -> dict[int, LiveOrders]:
    """open_orders_by_buyer for several lives (live -> its cooperative and the identities that
    comment in it), read in one statement; each live's duplicates merged apart."""
    triples = sorted({(live, i.buyer_id, i.id) for live, (_, ids) in wanted.items() for i in ids})
    rows = await conn.fetch(
        query("open_orders_of_buyers_in_lives"),
        [t[0] for t in triples],
        [t[1] for t in triples],
        [t[2] for t in triples],
    )
    by_live: dict[int, list[asyncpg.Record]] = defaultdict(list)
    for r in rows:
        by_live[r["live_id"]].append(r)
    result = {}
    for live_id, (tenant_id, identities) in sorted(wanted.items()):
        result[live_id] = await _live_orders(conn, tenant_id, identities, by_live[live_id], actor)
    return result


async def _live_orders(
    conn: Connection,
    tenant_id: int,
    identities: list[Identity],
    rows: list[asyncpg.Record],
    actor: str,
) -> LiveOrders:
    buyer_of = {i.id: i.buyer_id for i in identities}
    groups: dict[int, list[_Row]] = defaultdict(list)
    for r in rows:
        row = _Row(r["id"], r["buyer_id"], r["buyer_identity_id"], OrderStatus(r["status"]),
                   r["paid_at"])  # fmt: skip
        # An order follows the identity that opened it to that identity's buyer of today.
        owner = buyer_of.get(row.identity_id, row.buyer_id) if row.identity_id else row.buyer_id
        groups[owner].append(row)
    result = LiveOrders()
    for buyer_id, group in sorted(groups.items()):
        order = await _one_order(conn, tenant_id, buyer_id, group, actor, result)
        result.by_buyer[buyer_id] = order
    return result


async def _one_order(
    conn: Connection,
    tenant_id: int,
    buyer_id: int,
    group: list[_Row],
    actor: str,
    result: LiveOrders,
) -> OpenOrder:
    if sum(r.paid_at is not None for r in group) > 1:
        # Two paid orders: which money goes where is for staff to decide.
        ids = [r.id for r in group]
        await conn.execute(query("flag_merge_review"), ids)
        keep = next((r for r in group if r.buyer_id == buyer_id), _survivor(group))
        log.warning("order.merge_review_paid", order_ids=ids)
        return OpenOrder(keep.id, keep.buyer_id, keep.status)
    survivor = _survivor(group)
    others = [r for r in group if r is not survivor]
    status = survivor.status
    if others:
        status = await _absorb(conn, tenant_id, survivor, others, actor)
        result.touched.add(survivor.id)
        result.merged += [r.id for r in others]
    if survivor.buyer_id != buyer_id:  # after the others are closed: the unique index holds
        await conn.execute(query("set_order_buyer"), survivor.id, buyer_id)
        result.touched.add(survivor.id)
    return OpenOrder(survivor.id, buyer_id, status)


async def _absorb(
    conn: Connection, tenant_id: int, survivor: _Row, others: list[_Row], actor: str
) -> OrderStatus:
    """Move the others' lines into the survivor and close them; returns its status now."""
    other_ids = [r.id for r in others]
    moved = await conn.fetch(query("move_lines_to_order"), tenant_id, survivor.id, other_ids)
    numbers = await conn.fetch(query("order_numbers"), [survivor.id, *other_ids])
    number = {r["id"]: r["order_no"] for r in numbers}
    await transition(
        conn, other_ids, OrderStatus.CANCELLED, actor=actor,
        reason=f"gộp vào đơn {number[survivor.id]}: cùng người mua trong buổi live",
    )  # fmt: skip
    await record_events(
        conn,
        [EventRow(tenant_id, survivor.id, actor, "merged",
                  reason="cùng số điện thoại, cùng buổi live",
                  data={"from": [number[i] for i in other_ids], "lines": len(moved)})],
    )  # fmt: skip
    log.info("order.merged_same_buyer", order_id=survivor.id, merged=other_ids, lines=len(moved))
    if survivor.status is OrderStatus.CONFIRMED and moved:
        await conn.execute(query("flag_reconfirmation"), [survivor.id])
        await transition(
            conn, [survivor.id], OrderStatus.AWAITING_CONFIRMATION, actor=actor,
            reason="gộp thêm hàng từ đơn khác của khách",
        )  # fmt: skip
        return OrderStatus.AWAITING_CONFIRMATION
    return survivor.status
