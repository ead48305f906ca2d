"""Apply one courier status event (webhook or poll) to its shipment, order and buyer.

In one transaction: the shipment row is locked, the event stored once (unique per shipment,
courier code and time), and the shipment moves only if the event is later in the parcel's life
(status_rank, then time; a final status is never left). The order follows through the state
module (shipped, delivered, returned); the buyer's delivered/returned counts feed the "bom hàng"
risk; the buyer gets a message on their platform for pickup, a failed attempt and delivery. A
parcel in trouble (not picked up, a failed delivery, lost, damaged, an exception) writes an order
event in Vietnamese with the courier's words, for the order page; the order itself has no state
for it, so it stays shipped (or packed, while the courier never took the parcel).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import asyncpg
import structlog

from aggregator.core.incidents import ATTENTION, SHIPMENT_TEXT, courier_says
from aggregator.orders.state import EventRow, record_events, transition
from aggregator.runtime.db import Connection
from connectors.couriers.port import CourierEvent
from connectors.couriers.status import RANK, supersedes
from connectors.couriers.status_names import status_name
from schema.enums import ShipmentStatus
from schema.queries import query
from schema.states import OrderStatus

log = structlog.get_logger()
S = ShipmentStatus
# The courier has the parcel: the order is shipped (incidents happen in the courier's hands).
ON_THE_WAY = frozenset(
    {S.PICKED_UP, S.IN_TRANSIT, S.FAILED_ATTEMPT, S.RETURNING, S.LOST, S.DAMAGED, S.EXCEPTION}
)
RETURN_LEG = frozenset({S.RETURNING, S.RETURNED})
INCIDENT_EVENT = "courier_incident"  # order_events.kind
MESSAGES = {
    S.PICKED_UP: "Đơn {order_no} đã được giao cho đơn vị vận chuyển, mã vận đơn {tracking}.",
    S.FAILED_ATTEMPT: "Đơn {order_no}: shipper chưa giao được, sẽ liên hệ lại. Mã {tracking}.",
    S.DELIVERED: "Đơn {order_no} đã giao thành công. Cảm ơn anh/chị đã ủng hộ HTX!",
}


class Applied(StrEnum):
    MOVED = "moved"  # the shipment changed status
    STORED = "stored"  # new event, but late or outside the common set: kept, not applied
    DUPLICATE = "duplicate"  # this very event was applied before
    UNKNOWN = "unknown"  # no shipment of ours has this code


@dataclass(frozen=True, slots=True)
class Result:
    applied: Applied
    tenant_id: int | None = None
    shipment_id: int | None = None


async def apply_event(
    conn: Connection, event: CourierEvent, *, poll_after_s: float, tenant_id: int | None = None
) -> Result:
    """Apply inside the caller's transaction. `tenant_id`: the event came to that cooperative's
    own webhook address, so another cooperative's parcel is unknown to it."""
    row = await conn.fetchrow(
        query("shipment_for_event"), event.courier.value, event.tracking_code, event.client_code
    )
    if row is None or (tenant_id is not None and row["tenant_id"] != tenant_id):
        return Result(Applied.UNKNOWN)
    result = Result(Applied.STORED, row["tenant_id"], row["id"])
    stored = await conn.fetchval(
        query("insert_shipment_event"),
        row["tenant_id"], row["id"], event.status.value if event.status else "unmapped",
        event.courier_status, event.at, dict(event.raw),
    )  # fmt: skip
    if stored is None:
        return Result(Applied.DUPLICATE, row["tenant_id"], row["id"])
    current = S(row["status"])
    if event.status is None or not supersedes(
        event.status, event.at, current, row["last_event_at"]
    ):
        if event.tracking_code and row["tracking_code"] is None:
            await conn.execute(query("fill_tracking_code"), row["id"], event.tracking_code)
        return result
    await conn.execute(
        query("move_shipment"),
        row["id"], event.status.value, event.courier_status, RANK[event.status], event.at,
        event.tracking_code, event.cod_vnd, poll_after_s, event.reason[:500],
    )  # fmt: skip
    await _follow(conn, row, current, event)
    log.info("shipment.status", shipment_id=row["id"], status=event.status.value,
             courier_status=event.courier_status, courier=event.courier.value)  # fmt: skip
    return Result(Applied.MOVED, row["tenant_id"], row["id"])


async def _follow(
    conn: Connection, shipment: asyncpg.Record, old: ShipmentStatus, event: CourierEvent
) -> None:
    """The order, the buyer's record and the buyer's message follow the shipment."""
    assert event.status is not None
    new = event.status
    order_id: int = shipment["order_id"]
    actor, reason = f"courier:{event.courier.value}", f"{event.courier_status} {event.reason}"
    if new in ON_THE_WAY or new in (S.DELIVERED, S.RETURNED):
        await transition(conn, [order_id], OrderStatus.SHIPPED, actor=actor, reason=reason.strip())
    if new is S.DELIVERED:
        await transition(
            conn, [order_id], OrderStatus.DELIVERED, actor=actor, reason=reason.strip()
        )
        await conn.execute(query("add_buyer_outcome"), shipment["buyer_id"], 1, 0)
    elif new in RETURN_LEG and old not in RETURN_LEG:
        await conn.execute(query("add_buyer_outcome"), shipment["buyer_id"], 0, 1)  # refused COD
    if new is S.RETURNED:
        await transition(conn, [order_id], OrderStatus.RETURNED, actor=actor, reason=reason.strip())
    if new in ATTENTION:
        await _incident(conn, shipment, event)
    template = MESSAGES.get(new)
    if template is not None:
        key = f"shipment:{shipment['id']}:{new.value}:{event.at.isoformat()}"
        if new is not S.FAILED_ATTEMPT:
            key = f"shipment:{shipment['id']}:{new.value}"
        body = template.format(order_no=shipment["order_no"], tracking=event.tracking_code or "")
        await conn.execute(
            query("queue_buyer_message"), order_id, f"shipment_{new.value}", key, body
        )


async def _incident(conn: Connection, shipment: asyncpg.Record, event: CourierEvent) -> None:
    """The order's history says, in Vietnamese, what went wrong and what the courier said."""
    assert event.status is not None
    said = courier_says(
        event.courier.value, status_name(event.courier, event.courier_status), event.reason
    )
    text = f"{SHIPMENT_TEXT[event.status]} — {said}"
    await record_events(conn, [EventRow(
        shipment["tenant_id"], shipment["order_id"], f"courier:{event.courier.value}",
        INCIDENT_EVENT, reason=text[:500], data={"shipment_status": event.status.value},
    )])  # fmt: skip
    log.warning("shipment.incident", shipment_id=shipment["id"], status=event.status.value,
                courier=event.courier.value, courier_status=event.courier_status)  # fmt: skip
