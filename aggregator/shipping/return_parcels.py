"""Courier webhooks about a buyer's return parcel (booked by aggregator/staff/return_pickup.py
with our client code <order no>-TH): not a shipment of ours, so the shipment path does not know
the code; its status is kept on the return (staff see where the goods are) and noted in the
order's event log. Arrival itself is recorded by staff, who look at the goods."""

from __future__ import annotations

import structlog

from aggregator.orders.state import EventRow, record_events
from aggregator.runtime.db import Connection
from connectors.couriers.port import CourierEvent
from schema.queries import query

log = structlog.get_logger()
RETURN_PARCEL_EVENT = "return_parcel"  # order_events.kind


async def apply_return_parcel_event(
    conn: Connection, event: CourierEvent, tenant_id: int | None = None
) -> int | None:
    """The tenant of the return parcel the event names, or None when no return has its code.
    With `tenant_id` (a cooperative's own webhook address) only that cooperative's returns."""
    courier, code = event.courier.value, event.tracking_code
    if event.status is None:  # outside the common set: known or not, nothing to apply
        return await _known(conn, event, tenant_id)
    row = await conn.fetchrow(
        query("return_parcel_event"), courier, code, event.client_code, event.status.value,
        event.at, tenant_id,
    )  # fmt: skip
    if row is None:  # a late or repeated event of a known parcel, or not ours
        return await _known(conn, event, tenant_id)
    await record_events(conn, [EventRow(
        row["tenant_id"], row["order_id"], f"courier:{courier}", RETURN_PARCEL_EVENT,
        data={"return_id": row["id"], "status": event.status.value},
    )])  # fmt: skip
    log.info("return.parcel_event", return_id=row["id"], status=event.status.value)
    return int(row["tenant_id"])


async def _known(conn: Connection, event: CourierEvent, tenant_id: int | None) -> int | None:
    tenant = await conn.fetchval(
        query("return_parcel_known"), event.courier.value, event.tracking_code, event.client_code,
        tenant_id,
    )  # fmt: skip
    return int(tenant) if tenant is not None else None
