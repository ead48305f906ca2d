"""The one place that changes orders.status: a guarded UPDATE plus an order_events row, together.

Callers pass the transaction's connection; the move and its audit row commit or vanish as one.
An order not in an allowed status is left alone and reported, never forced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog

from aggregator.runtime.db import Connection
from schema.enums import OrderSource
from schema.queries import query
from schema.states import ALLOWED_FROM, RETURN_ALLOWED_FROM, OrderStatus, ReturnStatus

log = structlog.get_logger()
# Orders from comments wait for the buyer to confirm from the moment they exist.
INITIAL_STATUS = OrderStatus.AWAITING_CONFIRMATION
WAITLIST_DROPPED = "waitlist_dropped"


@dataclass(frozen=True, slots=True)
class Transition:
    moved: list[int]
    refused: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class EventRow:
    tenant_id: int
    order_id: int
    actor: str
    kind: str
    from_status: str | None = None
    to_status: str | None = None
    reason: str = ""
    data: dict[str, Any] = field(default_factory=dict)


async def record_events(conn: Connection, events: Sequence[EventRow]) -> None:
    """Write audit rows for changes that are not status moves (items added, flags)."""
    if not events:
        return
    await conn.execute(
        query("insert_order_events"),
        [e.tenant_id for e in events],
        [e.order_id for e in events],
        [e.actor for e in events],
        [e.kind for e in events],
        [e.from_status for e in events],
        [e.to_status for e in events],
        [e.reason for e in events],
        [e.data for e in events],
    )


async def transition(
    conn: Connection,
    order_ids: Sequence[int],
    target: OrderStatus,
    *,
    actor: str,
    reason: str,
) -> Transition:
    """Move the orders that may move to `target`; audit each move in the same transaction."""
    if not order_ids:
        return Transition(moved=[])
    allowed = [s.value for s in ALLOWED_FROM[target]]
    rows = await conn.fetch(query("transition_orders"), list(order_ids), target.value, allowed)
    moved = [r["id"] for r in rows]
    await record_events(
        conn,
        [
            EventRow(r["tenant_id"], r["id"], actor, "status", r["from_status"], target, reason)
            for r in rows
        ],
    )
    if target is OrderStatus.PACKING:  # the parcel is made: what waits for stock is not coming
        # Packed, shipped and the rest are reached only through packing (ALLOWED_FROM), and a
        # merge adds lines to open orders only: once here is enough.
        await drop_waitlisted_lines(conn, moved, actor=actor)
    refused = sorted(set(order_ids) - set(moved))
    if refused:
        log.info("order.transition_refused", target=target.value, orders=refused, reason=reason)
    return Transition(moved=moved, refused=refused)


async def drop_waitlisted_lines(conn: Connection, order_ids: Sequence[int], *, actor: str) -> None:
    """Remove the waitlisted lines of orders whose parcel is being made, one audit row per order
    naming what it leaves without."""
    if not order_ids:
        return
    dropped: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for row in await conn.fetch(query("drop_waitlisted_lines"), list(order_ids)):
        line = {"code": row["code"], "variant": row["variant"], "qty": row["qty"]}
        dropped.setdefault((row["tenant_id"], row["order_id"]), []).append(line)
    await record_events(
        conn,
        [
            EventRow(tenant, order, actor, WAITLIST_DROPPED, data={"lines": lines})
            for (tenant, order), lines in dropped.items()
        ],
    )


async def create_orders(
    conn: Connection,
    *,
    tenant_id: int,
    session_id: int | None,
    buyers: Sequence[tuple[int, int]],
    source: OrderSource,
    confirm_window_s: float,
    actor: str,
    reason: str,
) -> dict[int, int]:
    """Create orders, already awaiting confirmation, for (buyer id, identity id) pairs.

    Returns identity id -> order id. Creation is the state machine's entry move, so it lives here.
    """
    rows = await conn.fetch(
        query("create_orders"),
        tenant_id,
        session_id,
        [b for b, _ in buyers],
        [i for _, i in buyers],
        source.value,
        confirm_window_s,
        INITIAL_STATUS.value,
        actor,
        reason,
    )
    return {r["buyer_identity_id"]: r["id"] for r in rows}


@dataclass(frozen=True, slots=True)
class NewOrder:
    """An order the merge creates with its id reserved and its totals known."""

    id: int
    tenant_id: int
    session_id: int
    buyer_id: int
    identity_id: int
    subtotal_vnd: int
    discount_vnd: int
    free_shipping: bool
    total_vnd: int
    shipping_vnd: int


async def reserve_order_ids(conn: Connection, count: int) -> list[int]:
    if count <= 0:
        return []
    return [r["id"] for r in await conn.fetch(query("reserve_order_ids"), count)]


async def create_orders_with_totals(
    conn: Connection,
    *,
    orders: Sequence[NewOrder],
    source: OrderSource,
    confirm_window_s: float,
    actor: str,
    reason: str,
) -> None:
    """create_orders for orders whose ids and totals are already known: one write per order,
    whatever live and cooperative each belongs to."""
    if not orders:
        return
    await conn.fetch(
        query("create_orders_of_lives"),
        [o.tenant_id for o in orders],
        [o.session_id for o in orders],
        [o.buyer_id for o in orders],
        [o.identity_id for o in orders],
        source.value,
        confirm_window_s,
        INITIAL_STATUS.value,
        actor,
        reason,
        [o.id for o in orders],
        [o.subtotal_vnd for o in orders],
        [o.discount_vnd for o in orders],
        [o.free_shipping for o in orders],
        [o.total_vnd for o in orders],
        [o.shipping_vnd for o in orders],
    )


async def move_return(
    conn: Connection,
    return_id: int,
    target: ReturnStatus,
    *,
    actor: str,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> bool:
    """Move a buyer's return (schema/states.py RETURN_ALLOWED_FROM) and write the order's event
    `return_<target>` in the same transaction. The order's own status does not change (it stays
    delivered), so the event carries the return's move in `data`, not in from/to_status."""
    allowed = [s.value for s in RETURN_ALLOWED_FROM[target]]
    row = await conn.fetchrow(query("move_return"), return_id, target.value, allowed)
    if row is None:
        log.info("return.transition_refused", return_id=return_id, target=target.value)
        return False
    detail = {"return_id": return_id, "from": row["from_status"], "to": target.value}
    await record_events(
        conn,
        [
            EventRow(
                row["tenant_id"], row["order_id"], actor, f"return_{target.value}",
                reason=reason, data={**detail, **(data or {})},
            )
        ],
    )  # fmt: skip
    log.info("return.moved", return_id=return_id, to=target.value, order_id=row["order_id"])
    return True
