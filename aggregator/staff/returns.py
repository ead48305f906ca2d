"""Returns and refunds, the service: a buyer opens a return from the order link; staff accept or
refuse it, record its arrival (each line back to stock or written off) and the refund.

Every move of a return goes through aggregator/orders/state.move_return (a guarded UPDATE and
the order's event row in one transaction). Rules (window, form, refund limits) are pure, in
aggregator/core/returns.py. The courier pickup is booked after the accepting transaction commits
(aggregator/staff/return_pickup.py): no transaction is held open across an HTTP call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import structlog

from aggregator.core.money import format_vnd
from aggregator.core.returns import (
    CAUSE_TEXT,
    ReturnRequest,
    may_open,
    news_text,
    refund_limit,
    refund_methods,
    return_deadline,
    window_days,
)
from aggregator.errors import ConflictError, NotFoundError
from aggregator.orders.state import EventRow, move_return, record_events
from aggregator.orders.stock import promote_waitlists
from aggregator.runtime.db import Connection
from aggregator.shipping.request import sender_of
from aggregator.staff.accounts import StaffUser
from aggregator.staff.photos import FittedPhoto
from schema.enums import OrderSource, RefundMethod, ReturnSendMethod
from schema.queries import query
from schema.states import OrderStatus, ReturnStatus

log = structlog.get_logger()
BUYER_ACTOR = "buyer"


class ReturnRefusedError(ConflictError):
    """The return cannot take this step now; `message` is Vietnamese, for the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class BuyerReturn:
    """What the buyer's return page needs: the order, its lines, the window and any return."""

    order: asyncpg.Record
    lines: list[asyncpg.Record]
    deadline: datetime | None
    open_now: bool

    @property
    def existing(self) -> bool:
        return self.order["return_id"] is not None


async def buyer_return(
    conn: asyncpg.Pool | Connection, order_id: int, now: datetime
) -> BuyerReturn | None:
    order = await conn.fetchrow(query("return_order_for_buyer"), order_id)
    if order is None:
        return None
    lines = list(await conn.fetch(query("return_lines_of_order"), order_id))
    days = window_days(order["tenant_settings"] or {})
    # A TikTok Shop order is returned through TikTok's own flow, never here.
    ours = order["source"] != OrderSource.PLATFORM
    delivered = order["delivered_at"] if order["status"] == OrderStatus.DELIVERED and ours else None
    deadline = return_deadline(delivered, days)
    return BuyerReturn(order, lines, deadline, may_open(delivered, days, now) and bool(lines))


async def open_return(
    pool: asyncpg.Pool,
    order_id: int,
    request: ReturnRequest,
    photos: Sequence[FittedPhoto],
    now: datetime,
) -> int:
    """The buyer's return, its lines and photos, and the order's event, in one transaction.
    Re-checked inside it: delivered, within the window, quantities no more than delivered."""
    async with pool.acquire() as conn, conn.transaction():
        view = await buyer_return(conn, order_id, now)
        if view is None:
            raise NotFoundError(f"no order {order_id}")
        if view.existing:
            return int(view.order["return_id"])
        if not view.open_now:
            raise ReturnRefusedError("Đơn này đã quá hạn đổi trả hoặc chưa giao xong.")
        bought = {int(r["id"]): int(r["qty"]) for r in view.lines}
        if any(
            line not in bought or qty > bought[line] for line, qty in request.quantities.items()
        ):
            raise ReturnRefusedError("Số lượng trả nhiều hơn số đã nhận.")
        tenant = int(view.order["tenant_id"])
        return_id = await conn.fetchval(
            query("insert_return"), tenant, order_id, request.cause.value, request.note,
            request.bank_bin, request.account_no, request.account_name,
        )  # fmt: skip
        if return_id is None:  # a second tap raced the first
            raise ReturnRefusedError("Bạn đã gửi yêu cầu trả hàng cho đơn này rồi.")
        items = sorted(request.quantities.items())
        await conn.execute(
            query("insert_return_items"), tenant, return_id,
            [i for i, _ in items], [q for _, q in items],
        )  # fmt: skip
        for photo in photos:
            await conn.execute(
                query("insert_return_photo"), tenant, return_id, photo.content_type, photo.data
            )
        await record_events(conn, [EventRow(
            tenant, order_id, BUYER_ACTOR, "return_requested", reason=CAUSE_TEXT[request.cause],
            data={"return_id": return_id, "to": ReturnStatus.REQUESTED.value,
                  "lines": {str(i): q for i, q in items}, "photos": len(photos)},
        )])  # fmt: skip
    log.info("return.requested", order_id=order_id, return_id=return_id, cause=request.cause.value)
    return int(return_id)


async def staff_return(pool: asyncpg.Pool, staff: StaffUser, return_id: int) -> asyncpg.Record:
    row = await pool.fetchrow(query("staff_return"), staff.tenant_id, return_id)
    if row is None:
        raise NotFoundError(f"no return {return_id} for tenant {staff.tenant_id}")
    return row


async def return_lines(
    pool: asyncpg.Pool, staff: StaffUser, return_id: int
) -> list[asyncpg.Record]:
    return list(await pool.fetch(query("staff_return_lines"), staff.tenant_id, return_id))


async def _lock(conn: Connection, staff: StaffUser, return_id: int) -> asyncpg.Record:
    row = await conn.fetchrow(query("lock_return"), staff.tenant_id, return_id)
    if row is None:
        raise NotFoundError(f"no return {return_id} for tenant {staff.tenant_id}")
    return row


async def _full(conn: Connection, staff: StaffUser, return_id: int) -> asyncpg.Record:
    row = await conn.fetchrow(query("staff_return"), staff.tenant_id, return_id)
    if row is None:
        raise NotFoundError(f"no return {return_id} for tenant {staff.tenant_id}")
    return row


async def _tell_buyer(
    conn: Connection, row: asyncpg.Record, status: ReturnStatus, **facts: str
) -> None:
    """Record the news for the buyer's platform in the move's transaction; the delivery-news job
    hands it over (aggregator/shipping/news.py), once per return and status."""
    body = news_text(status, row["order_no"], **facts)
    if body is not None:
        key = f"return:{row['id']}:{status.value}"
        await conn.execute(
            query("queue_buyer_message"), row["order_id"], f"return_{status.value}", key, body
        )


def _ship_to(row: asyncpg.Record) -> str:
    s = sender_of(row)
    return ", ".join(p for p in (s.name, s.phone, s.address, s.ward, s.province) if p)


async def _move(
    conn: Connection, staff: StaffUser, return_id: int, target: ReturnStatus,
    reason: str = "", data: dict[str, Any] | None = None,
) -> None:  # fmt: skip
    if not await move_return(conn, return_id, target, actor=staff.actor, reason=reason, data=data):
        raise ReturnRefusedError("Yêu cầu trả hàng đã ở bước khác: hãy tải lại trang.")


async def refuse_return(pool: asyncpg.Pool, staff: StaffUser, return_id: int, reason: str) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await _lock(conn, staff, return_id)
        await _move(conn, staff, return_id, ReturnStatus.REFUSED, reason)
        await conn.execute(query("set_return_decision"), return_id, reason, staff.id, None)
        await _tell_buyer(conn, await _full(conn, staff, return_id), ReturnStatus.REFUSED,
                          reason=reason)  # fmt: skip
    log.info("return.refused", return_id=return_id)


async def accept_return(
    pool: asyncpg.Pool, staff: StaffUser, return_id: int, send: ReturnSendMethod, reason: str
) -> None:
    """Accepted; with nothing to send back (spoiled food) it is also received at once, every
    line written off."""
    async with pool.acquire() as conn, conn.transaction():
        await _lock(conn, staff, return_id)
        await _move(conn, staff, return_id, ReturnStatus.ACCEPTED, reason, {"send": send.value})
        await conn.execute(query("set_return_decision"), return_id, reason, staff.id, send.value)
        row = await _full(conn, staff, return_id)
        await _tell_buyer(conn, row, ReturnStatus.ACCEPTED, send=send.value, ship_to=_ship_to(row))
        if send is ReturnSendMethod.NO_RETURN:
            lines = await conn.fetch(query("staff_return_lines"), staff.tenant_id, return_id)
            await _receive(conn, staff, return_id, {int(r["id"]): False for r in lines}, lines)
    log.info("return.accepted", return_id=return_id, send=send.value)


async def _restock(conn: Connection, staff: StaffUser, back: Sequence[asyncpg.Record]) -> list[int]:
    """Goods back on the shelf count into the stock of the live they were sold from, under the
    live's lock (the merge's lock order); a running live's waitlist is served from them. Returns
    the orders whose waiting lines now hold."""
    live_id = back[0]["live_id"]
    await conn.execute(query("lock_live_of_order"), back[0]["order_id"])
    await conn.execute(
        query("restock_returned"), staff.tenant_id, live_id,
        [r["product_id"] for r in back], [r["variant"] for r in back], [r["qty"] for r in back],
    )  # fmt: skip
    return await promote_waitlists(conn, live_id, {(r["product_id"], r["variant"]) for r in back})


async def _receive(
    conn: Connection, staff: StaffUser, return_id: int,
    restock: Mapping[int, bool], lines: Sequence[asyncpg.Record],
) -> list[int]:  # fmt: skip
    outcomes = {int(r["id"]): "restocked" if restock.get(int(r["id"])) else "written_off"
                for r in lines}  # fmt: skip
    back = [r for r in lines if outcomes[int(r["id"])] == "restocked" and r["product_id"]]
    promoted = await _restock(conn, staff, back) if back and back[0]["live_id"] else []
    ids = sorted(outcomes)
    await conn.execute(query("set_return_outcomes"), ids, [outcomes[i] for i in ids])
    await conn.execute(query("set_return_received"), return_id, staff.id)
    data = {"restocked": {r["code"] + (f" {r['variant']}" if r["variant"] else ""): r["qty"]
                          for r in back},
            "written_off": sum(1 for v in outcomes.values() if v == "written_off")}  # fmt: skip
    await _move(conn, staff, return_id, ReturnStatus.RECEIVED, data=data)
    return promoted


async def receive_return(
    pool: asyncpg.Pool, staff: StaffUser, return_id: int, restock: Mapping[int, bool]
) -> list[int]:
    """The goods arrived: each line (return item id) back to stock (True) or written off.
    Returns the orders a running live's waitlist promoted from the restocked goods."""
    async with pool.acquire() as conn, conn.transaction():
        await _lock(conn, staff, return_id)
        lines = await conn.fetch(query("staff_return_lines"), staff.tenant_id, return_id)
        promoted = await _receive(conn, staff, return_id, restock, lines)
    log.info("return.received", return_id=return_id, promoted=promoted)
    return promoted


async def record_refund(
    pool: asyncpg.Pool, staff: StaffUser, return_id: int, method: RefundMethod, amount_vnd: int
) -> int:
    """A refund for a received return: a transfer is owed until staff send it; a COD that was
    never collected is settled now (and the return with it)."""
    async with pool.acquire() as conn, conn.transaction():
        locked = await _lock(conn, staff, return_id)
        row = await _full(conn, staff, return_id)
        if locked["status"] != ReturnStatus.RECEIVED or row["refund_id"] is not None:
            raise ReturnRefusedError("Chỉ ghi hoàn tiền một lần, sau khi đã nhận hàng trả.")
        if method not in refund_methods(row["payment_method"], row["payment_method"] != "cod"):
            raise ReturnRefusedError("Đơn này không trả bằng COD: hãy hoàn tiền bằng chuyển khoản.")
        most = refund_limit(int(row["total_vnd"]), int(row["refunded_vnd"]))
        if not 0 < amount_vnd <= most:
            raise ReturnRefusedError(f"Số tiền hoàn phải từ 1 đến {most:,} đ.".replace(",", "."))
        settled = method is RefundMethod.COD_NOT_COLLECTED
        refund_id = await conn.fetchval(
            query("insert_refund"), staff.tenant_id, row["order_id"], amount_vnd, method.value,
            "settled" if settled else "owed", f"trả hàng #{return_id}", staff.id,
        )  # fmt: skip
        await conn.execute(query("link_return_refund"), return_id, refund_id)
        event = EventRow(
            staff.tenant_id, row["order_id"], staff.actor, "refund_recorded",
            data={"refund_id": refund_id, "amount_vnd": amount_vnd, "method": method.value},
        )  # fmt: skip
        await record_events(conn, [event])
        if settled:
            await _move(
                conn, staff, return_id, ReturnStatus.REFUNDED, data={"refund_id": refund_id}
            )
            await _tell_buyer(conn, row, ReturnStatus.REFUNDED, amount=format_vnd(amount_vnd))
    log.info("refund.recorded", return_id=return_id, refund_id=refund_id, method=method.value)
    return int(refund_id)


async def settle_refund(pool: asyncpg.Pool, staff: StaffUser, return_id: int) -> None:
    """Staff sent the transfer: the refund is settled now (reports subtract it in this period)."""
    async with pool.acquire() as conn, conn.transaction():
        await _lock(conn, staff, return_id)
        row = await _full(conn, staff, return_id)
        if row["refund_id"] is None:
            raise ReturnRefusedError("Chưa ghi khoản hoàn tiền nào.")
        settled = await conn.fetchrow(
            query("settle_refund"), staff.tenant_id, row["refund_id"], staff.id
        )
        if settled is None:
            raise ReturnRefusedError("Khoản hoàn tiền này đã được ghi là đã chuyển.")
        await record_events(conn, [EventRow(
            staff.tenant_id, row["order_id"], staff.actor, "refund_settled",
            data={"refund_id": row["refund_id"], "amount_vnd": settled["amount_vnd"]},
        )])  # fmt: skip
        await _move(
            conn, staff, return_id, ReturnStatus.REFUNDED, data={"refund_id": row["refund_id"]}
        )
        amount = format_vnd(int(settled["amount_vnd"]))
        await _tell_buyer(conn, row, ReturnStatus.REFUNDED, amount=amount)
    log.info("refund.settled", return_id=return_id)
