"""Packing: "claim next" gives each packer a different confirmed order; a scan marks it packed."""

from __future__ import annotations

import asyncpg
import structlog
from arq.connections import ArqRedis

from aggregator.orders.money import ShipBlockedError, ship_blocks
from aggregator.orders.state import transition
from aggregator.shipping.handoff import mark_packed
from aggregator.staff.accounts import StaffUser
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


async def pack_scanned(pool: asyncpg.Pool, arq: ArqRedis, staff: StaffUser, order_id: int) -> bool:
    """The scan matched: packed through the hand-off module (courier booked after commit).
    ShipBlockedError: the order must be paid first, or holds no goods (the state module would
    refuse it too; this says why)."""
    async with pool.acquire() as conn:
        block = (await ship_blocks(conn, [order_id])).get(order_id)
    if block is not None:
        log.info("packing.refused", order_id=order_id, staff_id=staff.id, block=block)
        raise ShipBlockedError(order_id, block)
    moved = await mark_packed(pool, arq, [order_id], actor=staff.actor)
    if moved:
        log.info("packing.packed", order_id=order_id, staff_id=staff.id)
    return bool(moved)
