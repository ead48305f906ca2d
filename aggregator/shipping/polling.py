"""Poll shipments whose webhooks are overdue, so a missed webhook never leaves a parcel stuck.

A shipment is due when nothing was heard for `courier_poll_after_s` (next_poll_at). Couriers with
no documented status query (Viettel Post) are skipped and re-checked later.
"""

from __future__ import annotations

import asyncpg
import structlog

from aggregator.shipping.couriers import Couriers
from aggregator.shipping.events import Applied, apply_event
from connectors.couriers.errors import CourierError
from schema.enums import Courier
from schema.queries import query

log = structlog.get_logger()
POLL_BATCH = 200


async def poll_overdue(pool: asyncpg.Pool, couriers: Couriers, *, limit: int = POLL_BATCH) -> int:
    """Ask the courier about each overdue shipment; returns how many moved."""
    poll_after_s = couriers.settings.courier_poll_after_s
    moved = 0
    for row in await pool.fetch(query("shipments_due_for_poll"), limit):
        await pool.execute(query("postpone_poll"), row["id"], poll_after_s)
        try:
            adapter = await couriers.for_tenant(pool, row["tenant_id"], Courier(row["courier"]))
            event = await adapter.track(row["tracking_code"])
        except CourierError as exc:
            log.warning("shipment.poll_failed", shipment_id=row["id"], error=str(exc))
            continue
        if event is None:
            continue
        async with pool.acquire() as conn, conn.transaction():
            result = await apply_event(conn, event, poll_after_s=poll_after_s)
        moved += result.applied is Applied.MOVED
    if moved:
        log.info("shipment.polled", moved=moved)
    return moved
