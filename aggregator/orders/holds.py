"""The live's hold mode: when a buyer's lines take stock from the live's pool.

- first_comment: the merge holds at the comment (aggregator/orders/changes.py); nothing here.
- first_confirm: lines stay `requested` until the order is confirmed, by the buyer's page or by
  staff on the phone (`hold_on_confirm`); the first to confirm gets the stock, the rest wait.
- first_payment: lines stay `requested` (they count in the total the buyer transfers) through
  confirmation; unpaid orders wait in queue order (their comment's) and take nothing. The payment
  in full (`hold_on_paid`) takes what the pool has left. A paid order that finds nothing left is
  waitlisted, ahead of every unpaid order, with an audit row staff see, and is promoted when
  stock frees. Unpaid waitlisted lines never block or take stock (stock.sql).

Callers hold the live's lock (lock_session / lock_live_of_order) and the order's row: the lock
order of the merge, so confirmations, payments and merges of every channel take turns.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import structlog

from aggregator.core.stock import StockRequest, allocate
from aggregator.orders.state import EventRow, record_events
from aggregator.orders.stock import StockKey, adjust_reserved, keys_with_waitlist, lock_stock
from aggregator.orders.totals import recompute_totals
from aggregator.runtime.db import Connection
from schema.enums import HoldMode, ItemStatus
from schema.queries import query

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class _Order:
    id: int
    tenant_id: int
    live_id: int
    hold_mode: HoldMode
    paid: bool


@dataclass(frozen=True, slots=True)
class _Line:
    id: int
    key: StockKey
    qty: int
    position: int
    status: ItemStatus


async def lock_order_live(conn: Connection, order_id: int) -> None:
    """Take the live lock of this order (before its row): the merge's lock order."""
    await conn.execute(query("lock_live_of_order"), order_id)


async def _order(conn: Connection, order_id: int) -> _Order | None:
    row = await conn.fetchrow(query("order_for_hold"), order_id)
    if row is None or row["live_id"] is None:
        return None
    return _Order(row["id"], row["tenant_id"], row["live_id"], HoldMode(row["hold_mode"]),
                  row["paid_at"] is not None)  # fmt: skip


async def _lines(conn: Connection, order_id: int, statuses: set[ItemStatus]) -> list[_Line]:
    rows = await conn.fetch(query("lines_to_hold"), order_id, sorted(s.value for s in statuses))
    return [
        _Line(r["id"], (r["product_id"], r["variant"]), r["qty"], r["queue_position"],
              ItemStatus(r["status"]))
        for r in rows
    ]  # fmt: skip


async def _set_statuses(conn: Connection, statuses: dict[int, ItemStatus]) -> None:
    if statuses:
        ids = sorted(statuses)
        await conn.execute(query("set_line_statuses"), ids, [statuses[i].value for i in ids])


async def _allocate(conn: Connection, order: _Order, lines: list[_Line]) -> dict[int, ItemStatus]:
    """Hold each line the pool still has (nobody jumps a waitlist), else waitlist it. Lines of a
    product the live has no stock row for are not limited: they stay as they are."""
    by_key: dict[StockKey, list[_Line]] = defaultdict(list)
    for line in lines:
        by_key[line.key].append(line)
    levels = await lock_stock(conn, order.live_id, by_key)
    queued = await keys_with_waitlist(conn, order.live_id, levels)
    reserve: dict[StockKey, int] = defaultdict(int)
    statuses: dict[int, ItemStatus] = {}
    for key, group in by_key.items():
        if key not in levels:
            continue
        requests = [StockRequest(ln.position, ln.qty) for ln in group]
        granted = allocate(levels[key].available, key in queued, requests)
        for line, ok in zip(group, granted, strict=True):
            statuses[line.id] = ItemStatus.HELD if ok else ItemStatus.WAITLISTED
            reserve[key] += line.qty if ok else 0
    await _set_statuses(conn, statuses)
    await adjust_reserved(conn, order.live_id, reserve)
    return statuses


async def hold_on_confirm(conn: Connection, order_id: int) -> list[int]:
    """The order was just confirmed (buyer page or staff): hold by the live's mode. Returns the
    ids of its lines left waiting for stock."""
    order = await _order(conn, order_id)
    if order is None or order.hold_mode is HoldMode.FIRST_COMMENT:
        return []
    if order.hold_mode is HoldMode.FIRST_PAYMENT:
        # Unpaid: waits for the transfer. Paid before confirming: lines added since the payment
        # (a confirmation after a change) take what is left now.
        return await hold_on_paid(conn, order_id) if order.paid else []
    requested = await _lines(conn, order_id, {ItemStatus.REQUESTED})
    statuses = await _allocate(conn, order, requested)
    await recompute_totals(conn, [order_id])
    return sorted(i for i, s in statuses.items() if s is ItemStatus.WAITLISTED)


async def hold_on_paid(conn: Connection, order_id: int) -> list[int]:
    """The order was just paid in full: in a first_payment live its lines take what the pool has
    left (ahead of unpaid orders, behind paid ones already waiting). Returns the ids of the lines
    still waiting; when there are any, an order_events row tells staff the money came first."""
    order = await _order(conn, order_id)
    if order is None or order.hold_mode is not HoldMode.FIRST_PAYMENT:
        return []
    waiting = await _lines(conn, order_id, {ItemStatus.REQUESTED, ItemStatus.WAITLISTED})
    # Its own waitlisted lines must not count as a queue ahead of itself.
    await _set_statuses(conn, {ln.id: ItemStatus.REQUESTED for ln in waiting})
    statuses = await _allocate(conn, order, waiting)
    await _set_statuses(
        conn, {ln.id: ln.status for ln in waiting if ln.id not in statuses}
    )  # unlimited lines go back to what they were
    # No new totals: the buyer paid the total they confirmed; a line waiting for stock is the
    # director's to settle (promoted when stock frees, or refunded), shown by the event below.
    short = sorted(i for i, s in statuses.items() if s is ItemStatus.WAITLISTED)
    if short:
        await record_events(
            conn,
            [EventRow(order.tenant_id, order_id, "system:payments", "paid_waiting_for_stock",
                      reason="đã chuyển khoản nhưng buổi live đã hết hàng: khách đang chờ hàng",
                      data={"lines": short})],
        )  # fmt: skip
        log.warning("order.paid_without_stock", order_id=order_id, lines=len(short))
    return short
