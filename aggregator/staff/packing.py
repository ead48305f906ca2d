"""Packing: "claim next" gives each packer a different confirmed order; a scan marks it packed."""

from __future__ import annotations

import asyncpg
import structlog
from arq.connections import ArqRedis

from aggregator.errors import ChotdonError
from aggregator.orders.money import ShipBlockedError, ship_blocks
from aggregator.orders.state import transition
from aggregator.runtime.db import Connection
from aggregator.shipping.handoff import mark_packed
from aggregator.staff.accounts import StaffUser
from schema.enums import StaffRole
from schema.queries import query
from schema.states import OrderStatus

log = structlog.get_logger()


async def claim_next(pool: asyncpg.Pool, staff: StaffUser) -> int | None:
    """Lock the oldest confirmed order no one else holds (SKIP LOCKED), mark it claimed by this
    packer and move it to packing. None when nothing is waiting."""
    async with pool.acquire() as conn, conn.transaction():
        order_id = await conn.fetchval(query("claim_next_order"), staff.tenant_id, staff.id)
        if order_id is None:
            return None
        await transition(
            conn, [order_id], OrderStatus.PACKING, actor=staff.actor, reason="claimed for packing"
        )
    log.info("packing.claimed", order_id=order_id, staff_id=staff.id)
    return int(order_id)


async def my_packing(pool: asyncpg.Pool, staff: StaffUser) -> list[asyncpg.Record]:
    return list(await pool.fetch(query("packing_orders_of_staff"), staff.tenant_id, staff.id))


class NotYourPackingError(ChotdonError):
    """Another packer claimed this order: only they (or a director) may pack it."""

    http_status = 403


async def pack_scanned(pool: asyncpg.Pool, arq: ArqRedis, staff: StaffUser, order_id: int) -> bool:
    """The scan matched: packed through the hand-off module (courier booked after commit), only
    by the packer who claimed the order or a director (NotYourPackingError otherwise).
    ShipBlockedError: the order must be paid first, or holds no goods (the state module would
    refuse it too; this says why)."""
    async with pool.acquire() as conn:
        block = (await ship_blocks(conn, [order_id])).get(order_id)
    if block is not None:
        log.info("packing.refused", order_id=order_id, staff_id=staff.id, block=block)
        raise ShipBlockedError(order_id, block)

    async def claimed_by_this_packer(conn: Connection) -> None:
        if staff.role is StaffRole.DIRECTOR:
            return
        claimed_by = await conn.fetchval(query("lock_packing_claim"), staff.tenant_id, order_id)
        if claimed_by != staff.id:
            log.warning("packing.not_claimer", order_id=order_id, staff_id=staff.id)
            raise NotYourPackingError(f"order {order_id} is not claimed by staff {staff.id}")

    moved = await mark_packed(
        pool, arq, [order_id], actor=staff.actor, check=claimed_by_this_packer
    )
    if moved:
        log.info("packing.packed", order_id=order_id, staff_id=staff.id)
    return bool(moved)
