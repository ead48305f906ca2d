"""Exactly-once hand-off of a packed order to its courier.

1. `mark_packed` moves orders to packed (state module) and, after commit, enqueues one job per
   order with a job id from the order id.
2. `create_shipment` (the job's body) reserves the shipments row first ('creating'; one live
   shipment per order by a unique index), then calls the courier with our order number as the
   client order code, then stores the tracking code.
3. If the row already existed (a retry, a duplicated job, a worker killed mid-call, a timeout after
   the courier accepted), the courier is asked for the parcel by client code before any create,
   and a duplicate answer from the courier is taken as "found", never as a reason to book again.
No transaction is held open across the HTTP call.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import asyncpg
import structlog
from arq.connections import ArqRedis
from arq.constants import in_progress_key_prefix

from aggregator.core.addresses import Outcome as AddressOutcome, Resolution
from aggregator.core.prepay import BLOCK_TEXT
from aggregator.orders.state import EventRow, record_events, transition
from aggregator.runtime import jobs
from aggregator.runtime.db import Connection
from aggregator.runtime.keyed import enqueue_keyed
from aggregator.runtime.queue import job_queue
from aggregator.shipping.addresses import resolve_address
from aggregator.shipping.couriers import Couriers
from aggregator.shipping.request import cod_amount, shipment_request
from connectors.couriers.errors import CourierRejectedError, DuplicateClientCodeError
from connectors.couriers.port import CourierPort, CreatedShipment, ShipmentRequest
from connectors.couriers.status import RANK
from schema.enums import Courier, ShipmentStatus
from schema.queries import query
from schema.states import OrderStatus

log = structlog.get_logger()
SWEEP_BUCKET_S = 30
SHIPMENT_JOB_PREFIX = "shipment:"  # then the order id, then a sweep's bucket if any
IN_PROGRESS_PREFIX = in_progress_key_prefix.encode()


class Outcome(StrEnum):
    CREATED = "created"  # booked now
    RECOVERED = "recovered"  # found at the courier: an earlier attempt had booked it
    ALREADY = "already"  # our row says it is done
    SKIPPED = "skipped"  # the order is not packed (cancelled meanwhile, unknown)
    REJECTED = "rejected"  # the courier refused the order itself: it now needs_address
    NEEDS_ADDRESS = "needs_address"  # an address we cannot make a 2025 one for certain
    HELD = "held"  # must be paid first and is not (or holds no goods): never booked as is
    PLATFORM = "platform"  # TikTok ships it with its own logistics: never booked here


@dataclass(frozen=True, slots=True)
class Reserved:
    shipment_id: int
    courier: Courier
    fresh: bool  # the row was made by this attempt


def shipment_job_id(order_id: int, suffix: str = "") -> str:
    return f"{SHIPMENT_JOB_PREFIX}{order_id}{suffix}"


async def enqueue_shipments(arq: ArqRedis, order_ids: Sequence[int], suffix: str = "") -> int:
    queued = 0
    for order_id in order_ids:
        job = await enqueue_keyed(
            arq, jobs.CREATE_SHIPMENT, order_id, job_id=shipment_job_id(order_id, suffix)
        )
        queued += job is not None
    return queued


async def mark_packed(
    pool: asyncpg.Pool,
    arq: ArqRedis,
    order_ids: Sequence[int],
    *,
    actor: str,
    check: Callable[[Connection], Awaitable[None]] | None = None,
) -> list[int]:
    """Packing done: orders move to packed, then (after commit) their shipments are booked.
    `check` runs first in the same transaction (who may pack them) and raises to move none."""
    async with pool.acquire() as conn, conn.transaction():
        if check is not None:
            await check(conn)
        moved = await transition(conn, order_ids, OrderStatus.PACKED, actor=actor, reason="packed")
    await enqueue_shipments(arq, moved.moved)
    return moved.moved


async def _reserve(conn: Connection, order: asyncpg.Record, couriers: Couriers) -> Reserved | None:
    courier = couriers.choose(order["tenant_settings"] or {})
    new_id = await conn.fetchval(
        query("reserve_shipment"),
        order["tenant_id"], order["id"], courier.value, order["order_no"], cod_amount(order),
    )  # fmt: skip
    if new_id is not None:
        return Reserved(new_id, courier, fresh=True)
    row = await conn.fetchrow(query("live_shipment_of_order"), order["id"])
    if row is None or row["status"] != ShipmentStatus.CREATING:
        return None
    return Reserved(row["id"], Courier(row["courier"]), fresh=False)


async def _book(
    adapter: CourierPort, request: ShipmentRequest, fresh: bool
) -> tuple[CreatedShipment, Outcome]:
    if not fresh:
        found = await adapter.find(request.client_code)
        if found is not None:
            return found, Outcome.RECOVERED
    try:
        return await adapter.create(request), Outcome.CREATED
    except DuplicateClientCodeError as dup:
        found = await adapter.find(request.client_code)
        if found is not None:
            return found, Outcome.RECOVERED
        # The courier has it but will not say the code (Viettel Post): the first webhook will.
        return CreatedShipment(dup.tracking_code, request.client_code), Outcome.RECOVERED


async def create_shipment(
    pool: asyncpg.Pool, couriers: Couriers, order_id: int, *, poll_after_s: float
) -> Outcome:
    """Book the order's parcel once. Courier timeouts propagate: the caller retries."""
    async with pool.acquire() as conn:
        order = await conn.fetchrow(query("order_for_shipment"), order_id)
        if order is None or order["status"] != OrderStatus.PACKED:
            return Outcome.SKIPPED
        if order["sandbox"]:  # a rehearsal's parcel is never booked (0020_sandbox…)
            log.info("shipment.sandbox_skipped", order_id=order_id)
            return Outcome.SKIPPED
        if order["platform_ships"]:  # TikTok's carrier takes it (platforms/tiktok/fulfilment.py)
            log.info("shipment.platform_ships", order_id=order_id)
            return Outcome.PLATFORM
        # In a thread: the first old address a process meets loads the old→new table (~1 s).
        address = await asyncio.to_thread(
            resolve_address, order["province_code"], order["ward_code"], order["address_line"]
        )
        early = await _check_before_booking(conn, order, address)
        if early is not None:
            return early
        reserved = await _reserve(conn, order, couriers)
        if reserved is None:
            return Outcome.ALREADY
        lines = await conn.fetch(query("lines_of_orders"), [order_id])
    request = shipment_request(order, lines, address)
    started = time.perf_counter()
    adapter = await couriers.for_tenant(pool, order["tenant_id"], reserved.courier)
    try:
        booked, outcome = await _book(adapter, request, reserved.fresh)
    except CourierRejectedError as exc:
        await _give_up(pool, order, reserved, exc)
        return Outcome.REJECTED
    await pool.execute(
        query("store_created_shipment"),
        reserved.shipment_id, booked.tracking_code, booked.fee_vnd, booked.courier_status,
        RANK[ShipmentStatus.CREATED], poll_after_s,
    )  # fmt: skip
    log.info(
        "shipment.created",
        order_id=order_id,
        courier=reserved.courier.value,
        tracking_code=booked.tracking_code,
        outcome=outcome.value,
        ms=round((time.perf_counter() - started) * 1000, 1),
    )
    return outcome


async def _check_before_booking(
    conn: Connection, order: asyncpg.Record, address: Resolution
) -> Outcome | None:
    """Stop before the courier when staff must act; store a certain old→new conversion."""
    if order["ship_block"] is not None:  # must be paid first, or holds no goods (0019)
        await record_events(conn, [EventRow(
            order["tenant_id"], order["id"], "system:courier", "shipment_held",
            reason=BLOCK_TEXT[order["ship_block"]], data={"block": order["ship_block"]},
        )])  # fmt: skip
        log.info("shipment.held", order_id=order["id"], block=order["ship_block"])
        return Outcome.HELD
    if address.unit is None:
        async with conn.transaction():
            await transition(conn, [order["id"]], OrderStatus.NEEDS_ADDRESS,
                             actor="system:address", reason=address.note)  # fmt: skip
        log.info("shipment.needs_address", order_id=order["id"], outcome=address.outcome.value)
        return Outcome.NEEDS_ADDRESS
    if address.outcome is AddressOutcome.CONVERTED:
        async with conn.transaction():
            stored = await conn.fetchval(
                query("store_converted_address"), order["id"], order["province_code"],
                order["ward_code"], address.unit.province_code, address.unit.ward_code,
                address.typed.street or order["address_line"],
            )  # fmt: skip
            if stored is not None:
                await record_events(conn, [EventRow(
                    order["tenant_id"], order["id"], "system:address", "address_converted",
                    reason=address.note, data={"old": _typed_text(address)},
                )])  # fmt: skip
    return None


def _typed_text(address: Resolution) -> str:
    t = address.typed
    return ", ".join(p for p in (t.street, t.ward, t.district, t.province) if p)


async def _give_up(
    pool: asyncpg.Pool, order: asyncpg.Record, reserved: Reserved, exc: CourierRejectedError
) -> None:
    """The courier refused the order (most often the address): free the row, and the order
    waits in needs_address with the courier's own message for staff."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(query("cancel_reserved_shipment"), reserved.shipment_id)
        await record_events(conn, [EventRow(
            order["tenant_id"], order["id"], "system:courier", "shipment_rejected",
            reason=str(exc), data={"courier": reserved.courier.value, "code": exc.code},
        )])  # fmt: skip
        reason = f"{reserved.courier.value}: {exc}"
        await transition(conn, [order["id"]], OrderStatus.NEEDS_ADDRESS,
                         actor="system:courier", reason=reason)  # fmt: skip
    log.warning("shipment.rejected", order_id=order["id"], courier=reserved.courier.value,
                code=exc.code)  # fmt: skip


async def sweep_unshipped(
    pool: asyncpg.Pool, arq: ArqRedis, *, stale_after_s: float = 10.0, limit: int = 1000
) -> int:
    """Re-enqueue packed orders whose shipment was never made (lost job, killed worker).

    The job id carries a time bucket: a killed worker's job id stays taken in Redis until its
    timeout, and this must not wait for that. Running a create twice is safe (see above). An
    order whose job is still waiting in the queue is left alone: when the workers are behind,
    re-enqueueing every waiting order each sweep would pile copies on the backlog (seen at the
    chaos run's default size: 5,620 booking jobs queued for 1,149 orders).
    """
    rows = await pool.fetch(query("packed_orders_without_shipment"), stale_after_s, limit)
    waiting = await _orders_with_a_waiting_job(arq) if rows else set()
    lost = [r["id"] for r in rows if r["id"] not in waiting]
    if not lost:
        return 0
    bucket = f":sweep{int(time.time() // SWEEP_BUCKET_S)}"
    queued = await enqueue_shipments(arq, lost, bucket)
    log.info("shipment.requeued", orders=len(lost), queued=queued, waiting=len(rows) - len(lost))
    return queued


async def _orders_with_a_waiting_job(arq: ArqRedis) -> set[int]:
    """Orders with a booking job in the queue that no worker has started (a started one may be
    on a worker that was killed: that order is re-enqueued, as before)."""
    prefix = SHIPMENT_JOB_PREFIX.encode()
    waiting_on = job_queue(arq, jobs.CREATE_SHIPMENT)  # the outbound queue
    queued = [m for m in await arq.zrange(waiting_on, 0, -1) if m.startswith(prefix)]
    if not queued:
        return set()
    async with arq.pipeline(transaction=False) as pipe:
        for member in queued:
            pipe.exists(IN_PROGRESS_PREFIX + member)
        started = await pipe.execute()
    return {
        int(member[len(prefix) :].split(b":")[0])
        for member, running in zip(queued, started, strict=True)
        if not running
    }
