"""Staff changes to one order: line quantities, a new line, merge linked orders, cancel.

Each function runs inside the caller's transaction and takes the order's row lock first. Stock
follows the same rules as comments (aggregator/core/stock.allocate: nobody jumps a waitlist),
freed stock promotes the head of the waitlist, status moves go through the state module, and
every change writes an order_events row saying who did it and why. A change the order's state or
the stock does not allow raises ActionRefusedError with a Vietnamese message for staff.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aggregator.core.stock import StockRequest, allocate
from aggregator.errors import ConflictError, NotFoundError
from aggregator.orders.state import EventRow, record_events, transition
from aggregator.orders.stock import (
    StockKey,
    adjust_reserved,
    keys_with_waitlist,
    lock_stock,
    promote_waitlists,
    release_orders,
)
from aggregator.orders.totals import recompute_totals
from aggregator.runtime.db import Connection
from schema.enums import HoldMode, ItemStatus
from schema.queries import query
from schema.states import ALLOWED_FROM, OPEN_STATUSES, OrderStatus

EDITABLE = frozenset(s.value for s in OPEN_STATUSES)
CANCELLABLE = frozenset(s.value for s in ALLOWED_FROM[OrderStatus.CANCELLED])
MAX_QTY = 999


class ActionRefusedError(ConflictError):
    """The order's state or the stock does not allow this change; the message is for staff."""


@dataclass(frozen=True, slots=True)
class LockedOrder:
    id: int
    tenant_id: int
    order_no: str
    status: str
    session_id: int | None
    live_id: int | None  # the stock's pool
    buyer_id: int
    hold_mode: HoldMode
    has_shipment: bool


@dataclass(frozen=True, slots=True)
class NewLine:
    product_id: int
    variant: str
    qty: int
    source_comment_id: int | None = None
    position: int | None = None


async def lock_order(conn: Connection, tenant_id: int, order_id: int) -> LockedOrder:
    # The live's lock before the order row: the merge's lock order, so the two never deadlock.
    await conn.execute(query("lock_live_of_order"), order_id)
    row = await conn.fetchrow(query("lock_order_for_action"), tenant_id, order_id)
    if row is None:
        raise NotFoundError(f"no order {order_id} for tenant {tenant_id}")
    return LockedOrder(
        row["id"], tenant_id, row["order_no"], row["status"], row["session_id"], row["live_id"],
        row["buyer_id"], HoldMode(row["hold_mode"] or HoldMode.FIRST_COMMENT.value),
        row["has_shipment"],
    )  # fmt: skip


def _editable(order: LockedOrder) -> None:
    if order.status not in EDITABLE:
        raise ActionRefusedError("Đơn đã đóng gói hoặc đã kết thúc, không sửa được nữa.")


async def _stock_status(
    conn: Connection, order: LockedOrder, key: StockKey, qty: int, position: int
) -> ItemStatus:
    """Held, waitlisted or requested for `qty` more of `key`, reserving what is held."""
    if order.hold_mode is not HoldMode.FIRST_COMMENT:  # lines reserve at confirmation or payment
        return ItemStatus.REQUESTED
    return await _take(conn, order, key, qty, position)


async def _take(
    conn: Connection, order: LockedOrder, key: StockKey, qty: int, position: int
) -> ItemStatus:
    """Reserve `qty` of `key` if the allocation rule allows: held, else waitlisted."""
    if order.live_id is None:
        return ItemStatus.REQUESTED
    levels = await lock_stock(conn, order.live_id, [key])
    if key not in levels:  # no per-live stock for this product: not limited
        return ItemStatus.REQUESTED
    waiting = key in await keys_with_waitlist(conn, order.live_id, [key])
    if not allocate(levels[key].available, waiting, [StockRequest(position, qty)])[0]:
        return ItemStatus.WAITLISTED
    await adjust_reserved(conn, order.live_id, {key: qty})
    return ItemStatus.HELD


async def _release(
    conn: Connection, order: LockedOrder, freed: Mapping[StockKey, int]
) -> list[int]:
    """Give back held stock and promote the waitlists; returns the promoted orders."""
    if order.live_id is None or not freed:
        return []
    await lock_stock(conn, order.live_id, freed)
    await adjust_reserved(conn, order.live_id, {k: -q for k, q in freed.items()})
    return await promote_waitlists(conn, order.live_id, freed)


async def _finish(conn: Connection, order_ids: list[int]) -> None:
    if order_ids:
        await recompute_totals(conn, order_ids)


async def set_line_quantities(
    conn: Connection, order: LockedOrder, wanted: Mapping[int, int], *, actor: str, reason: str
) -> list[int]:
    """Set the quantity of lines (0 removes the line). Returns the orders whose totals changed.

    More of a held line is held only if stock allows without jumping a waitlist; otherwise the
    change is refused (staff tell the buyer), so a confirmed quantity never silently waits.
    """
    _editable(order)
    changed: dict[str, Any] = {}
    freed: dict[StockKey, int] = {}
    for line_id, qty in sorted(wanted.items()):
        line = await conn.fetchrow(
            query("order_line_for_action"), order.tenant_id, order.id, line_id
        )
        if line is None:
            raise NotFoundError(f"no line {line_id} in order {order.id}")
        if line["status"] == ItemStatus.UNCLEAR or qty == line["qty"]:
            continue
        key = (line["product_id"], line["variant"])
        if qty > line["qty"] and line["status"] == ItemStatus.HELD:
            more = qty - line["qty"]
            status = await _take(conn, order, key, more, line["queue_position"])
            if status is ItemStatus.WAITLISTED:
                raise ActionRefusedError(
                    f"Không đủ hàng {line['code']} để tăng lên {qty} (có khách đang chờ hoặc hết)."
                )
        elif qty < line["qty"] and line["status"] == ItemStatus.HELD:
            freed[key] = freed.get(key, 0) + line["qty"] - qty
        status_now = line["status"] if qty > 0 else ItemStatus.REMOVED.value
        await conn.execute(query("set_line_qty"), line_id, qty or line["qty"], status_now)
        changed[line["code"] + (f"/{line['variant']}" if line["variant"] else "")] = {
            "from": line["qty"], "to": qty,
        }  # fmt: skip
    if not changed:
        return []
    promoted = await _release(conn, order, freed)
    await record_events(
        conn, [EventRow(order.tenant_id, order.id, actor, "lines_edited", reason=reason,
                        data={"lines": changed})],
    )  # fmt: skip
    await _finish(conn, [order.id, *promoted])
    return [order.id, *promoted]


async def add_line(
    conn: Connection, order: LockedOrder, line: NewLine, *, actor: str, reason: str, kind: str
) -> ItemStatus:
    """A new line of a catalogue product: held, waitlisted or requested by the stock rules."""
    _editable(order)
    product = await conn.fetchrow(
        query("product_for_action"), order.tenant_id, line.product_id, line.variant
    )
    if product is None:
        raise NotFoundError(f"no product {line.product_id}")
    if line.variant not in (product["variants"] or [""]) and line.variant:
        raise ActionRefusedError(f"Sản phẩm {product['code']} không có loại “{line.variant}”.")
    if product["variants"] and not line.variant:
        raise ActionRefusedError(f"Hãy chọn loại của {product['code']}.")
    key = (product["id"], line.variant)
    position = line.position if line.position is not None else 2**62
    status = await _stock_status(conn, order, key, line.qty, position)
    line_id = await conn.fetchval(
        query("insert_staff_order_item"), order.tenant_id, order.id, product["id"],
        product["code"], line.variant, line.qty, product["price_vnd"], status.value,
        line.source_comment_id, line.position,
    )  # fmt: skip
    data = {
        "line_id": line_id, "code": product["code"], "variant": line.variant, "qty": line.qty,
        "status": status.value, "comment_id": line.source_comment_id,
    }  # fmt: skip
    await record_events(
        conn, [EventRow(order.tenant_id, order.id, actor, kind, reason=reason, data=data)]
    )
    await _finish(conn, [order.id])
    return status


async def remove_unclear_line(
    conn: Connection, order: LockedOrder, line_id: int, *, actor: str, reason: str, kind: str
) -> dict[str, Any]:
    """Take an unclear line off the order (resolved or dismissed); returns it."""
    _editable(order)
    line = await conn.fetchrow(query("order_line_for_action"), order.tenant_id, order.id, line_id)
    if line is None or line["status"] != ItemStatus.UNCLEAR:
        raise ActionRefusedError("Dòng này đã được xử lý rồi.")
    await conn.execute(query("set_line_qty"), line_id, line["qty"], ItemStatus.REMOVED.value)
    await record_events(
        conn, [EventRow(order.tenant_id, order.id, actor, kind, reason=reason,
                        data={"line_id": line_id, "comment_id": line["source_comment_id"]})],
    )  # fmt: skip
    return dict(line)


async def cancel_if_empty(conn: Connection, order: LockedOrder, *, actor: str, reason: str) -> bool:
    """An order left with no line is cancelled, as a buyer's cancel of every line does."""
    if await conn.fetchval(query("order_has_live_lines"), order.id):
        return False
    moved = await transition(conn, [order.id], OrderStatus.CANCELLED, actor=actor, reason=reason)
    await _finish(conn, [order.id])
    return bool(moved.moved)


async def cancel_order(
    conn: Connection, order: LockedOrder, *, actor: str, reason: str
) -> list[int]:
    """Cancel with staff's reason: stock back, waitlists promoted (the buyer-cancel path).

    Returns the orders whose lines were promoted. A parcel already booked is refused: the courier
    has to cancel it first.
    """
    if order.status not in CANCELLABLE:
        raise ActionRefusedError("Đơn ở trạng thái này không huỷ được.")
    if order.has_shipment:
        raise ActionRefusedError("Đơn đã gửi cho đơn vị vận chuyển: hãy huỷ vận đơn trước.")
    promoted = await release_orders(conn, [order.id])
    await transition(conn, [order.id], OrderStatus.CANCELLED, actor=actor, reason=reason)
    await _finish(conn, [order.id, *promoted])
    return promoted


async def merge_orders(
    conn: Connection, target: LockedOrder, source_ids: list[int], *, actor: str, reason: str
) -> list[str]:
    """Move the live lines of the buyer's other open orders in this live into `target`.

    The sources must be open orders of the same buyer in the same live; they end cancelled
    ("merged into …"), their stock stays reserved on the moved lines. Returns their numbers.
    """
    _editable(target)
    ids = sorted({*source_ids, target.id})
    rows = {
        r["id"]: r for r in await conn.fetch(query("lock_orders_for_merge"), target.tenant_id, ids)
    }
    sources = [rows[i] for i in source_ids if i in rows and i != target.id]
    if not sources or len(sources) != len(set(source_ids) - {target.id}):
        raise NotFoundError("an order to merge is not this cooperative's")
    persons = {target.buyer_id, rows[target.id]["person"]} if target.id in rows else set()
    for row in sources:
        person = row["buyer_id"] in persons or row["person"] in persons
        same = person and row["live_id"] == target.live_id
        if not same or row["status"] not in EDITABLE:
            raise ActionRefusedError(f"Đơn {row['order_no']} không gộp được vào đơn này.")
    numbers = [r["order_no"] for r in sources]
    moved = await conn.fetch(
        query("move_lines_to_order"), target.tenant_id, target.id, [r["id"] for r in sources]
    )
    await transition(
        conn, [r["id"] for r in sources], OrderStatus.CANCELLED, actor=actor,
        reason=f"gộp vào đơn {target.order_no}: {reason}",
    )  # fmt: skip
    await conn.execute(query("clear_merge_review"), target.tenant_id, ids)
    await record_events(
        conn, [EventRow(target.tenant_id, target.id, actor, "merged", reason=reason,
                        data={"from": numbers, "lines": len(moved)})],
    )  # fmt: skip
    await _finish(conn, ids)
    return numbers
