"""Staff actions on the order page: edit lines, merge the buyer's linked orders, cancel with a
reason; and what the page shows for them (linked orders, catalogue, the full event log).

Each action is one transaction on a row-locked order of the staff member's own cooperative,
written through aggregator/orders/edits (stock rules, state module, audit rows with who and why).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg
import structlog

from aggregator.core.reports import local
from aggregator.orders.edits import (
    CANCELLABLE,
    EDITABLE,
    NewLine,
    add_line,
    cancel_order,
    lock_order,
    merge_orders,
    set_line_quantities,
)
from aggregator.staff.accounts import StaffUser
from aggregator.staff.reports import SOURCE_TEXT, order_log
from aggregator.staff.unclear import Choice, catalogue
from schema.queries import query

log = structlog.get_logger()
DEFAULT_EDIT_REASON = "nhân viên sửa theo yêu cầu của khách"


@dataclass(frozen=True, slots=True)
class Edit:
    quantities: dict[int, int]  # line id -> new quantity (0 removes)
    add: Choice | None
    reason: str


async def action_context(
    pool: asyncpg.Pool, staff: StaffUser, order: asyncpg.Record
) -> dict[str, Any]:
    """What _order_actions.html needs for this order (already known to be the staff's)."""
    order_id = int(order["id"])
    linked = await pool.fetch(query("linked_open_orders"), staff.tenant_id, order_id)
    return {
        "editable": order["status"] in EDITABLE,
        "cancellable": order["status"] in CANCELLABLE,
        "linked": list(linked),
        "catalogue": await catalogue(pool, staff),
        "full_log": await order_log(pool, staff, order_id),
        "source_text": SOURCE_TEXT,
        "local": local,
    }


async def edit_order(pool: asyncpg.Pool, staff: StaffUser, order_id: int, edit: Edit) -> list[int]:
    """Returns the orders whose lines changed (this one, and any the waitlist promoted)."""
    async with pool.acquire() as conn, conn.transaction():
        order = await lock_order(conn, staff.tenant_id, order_id)
        touched = await set_line_quantities(
            conn, order, edit.quantities, actor=staff.actor, reason=edit.reason
        )
        if edit.add is not None:
            new = NewLine(edit.add.product_id, edit.add.variant, edit.add.qty)
            await add_line(
                conn, order, new, actor=staff.actor, reason=edit.reason, kind="line_added"
            )
            touched.append(order_id)
    log.info("order.edited_by_staff", order_id=order_id)
    return sorted(set(touched))


async def merge_linked(
    pool: asyncpg.Pool, staff: StaffUser, order_id: int, sources: list[int], reason: str
) -> list[str]:
    async with pool.acquire() as conn, conn.transaction():
        order = await lock_order(conn, staff.tenant_id, order_id)
        merged = await merge_orders(conn, order, sources, actor=staff.actor, reason=reason)
    log.info("order.merged_by_staff", order_id=order_id, sources=sources)
    return merged


async def cancel_by_staff(
    pool: asyncpg.Pool, staff: StaffUser, order_id: int, reason: str
) -> list[int]:
    async with pool.acquire() as conn, conn.transaction():
        order = await lock_order(conn, staff.tenant_id, order_id)
        promoted = await cancel_order(conn, order, actor=staff.actor, reason=reason)
    log.info("order.cancelled_by_staff", order_id=order_id, promoted=promoted)
    return promoted
