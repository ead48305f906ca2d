"""Staff and couriers of a chaos run, automated, and as stubborn as the real ones.

Staff confirm orders by phone during the live (a few buyers never answer: their holds expire) and
pack the confirmed orders of lives that have ended, which books the courier. The couriers walk
each booked parcel to the buyer, who accepts or refuses the COD parcel, posting every status
webhook until chotdon acknowledges it. Every loop survives Postgres dropping its connections: it
waits a moment and carries on.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp
import asyncpg
import structlog
from arq.connections import ArqRedis

from aggregator.orders.money import start_payment_deadline
from aggregator.orders.state import transition
from aggregator.shipping.handoff import mark_packed
from aggregator.tools.chaos.money import DEADLINE_S, SHORTEN_DEADLINES
from aggregator.tools.chaos.world import Simulators
from connectors.simulators.courier_webhooks import (
    Scenario,
    StatusReport,
    acknowledged,
    retried,
)
from schema.enums import Courier
from schema.states import OrderStatus

log = structlog.get_logger()
LOOP_S = 0.5
WALKS_AT_ONCE = 40
CONFIRMABLE = (
    "SELECT id FROM orders WHERE session_id = ANY($1::bigint[]) "
    "AND status = 'awaiting_confirmation' AND total_vnd > 0 "
    "AND created_at < now() - interval '1 second' AND (id * 7919) % 1000 >= $2 "
    # Orders a merge is changing are skipped, not waited for: locking 500 orders while merges
    # lock theirs deadlocks (the next turn takes them)
    "ORDER BY id LIMIT 500 FOR UPDATE SKIP LOCKED"
)
ADDRESSES = (  # what the buyer says on the phone: a name, a mobile, a two-level address, and
    # how they pay (a quarter transfer by VietQR: chaos/money.py pays, part-pays or never pays)
    "UPDATE orders SET recipient_name = 'Khách chaos', "
    "payment_method = CASE WHEN (id * 31) % 1000 < 250 THEN 'vietqr' ELSE 'cod' END, "
    "recipient_phone = '09' || lpad((id % 100000000)::text, 8, '0'), "
    "address_line = 'Số ' || (id % 200 + 1) || ' đường Lê Lợi', "
    "province_code = 'Thái Bình', ward_code = 'Phường Trần Lãm' WHERE id = ANY($1::bigint[])"
)
PACKABLE = (  # packing starts when the live is over on all its channels, as at a packing table;
    # the packing page offers only what may ship (chotdon_ship_block, as the packer's claim)
    "SELECT o.id FROM orders o JOIN lives l ON l.id = o.live_id "
    "WHERE o.session_id = ANY($1::bigint[]) AND l.status = 'ended' AND o.status = 'confirmed' "
    "AND chotdon_ship_block(o.id) IS NULL "
    "ORDER BY o.id LIMIT 500 FOR UPDATE OF o SKIP LOCKED"
)
BLOCKED = (  # an order that may not ship yet (unpaid, holding nothing): a careless packer tries
    "SELECT o.id FROM orders o WHERE o.session_id = ANY($1::bigint[]) AND o.status = 'confirmed' "
    "AND chotdon_ship_block(o.id) IS NOT NULL ORDER BY random() LIMIT 1"
)
BOOKED = (
    "SELECT s.courier, s.client_order_code FROM shipments s JOIN orders o ON o.id = s.order_id "
    "WHERE o.session_id = ANY($1::bigint[]) AND s.status = 'created'"
)


async def keep_going(name: str, step: Callable[[], Awaitable[None]]) -> None:
    """Run `step` every LOOP_S until cancelled. Whatever a fault throws at it (asyncpg raises
    more than its documented errors when its connection is killed mid-query) costs one turn."""
    while True:
        try:
            await step()
        except Exception as exc:  # the staff carry on after any failure
            log.info("chaos.loop_retry", loop=name, error=repr(exc)[:200])
        await asyncio.sleep(LOOP_S)


@dataclass
class Staff:
    pool: asyncpg.Pool
    arq: ArqRedis
    session_ids: list[int]
    unanswered_per_mille: int
    confirmed: int = 0
    packed: int = 0
    refused_by_gate: int = 0  # a careless packer's attempts on orders that may not ship

    async def confirm(self) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(CONFIRMABLE, self.session_ids, self.unanswered_per_mille)
            ids = [r["id"] for r in rows]
            await conn.execute(ADDRESSES, ids)
            moved = await transition(
                conn, ids, OrderStatus.CONFIRMED, actor="staff:chaos", reason="gọi điện xác nhận"
            )
            for order_id in moved.moved:  # the VietQR ones get the director's payment deadline
                await start_payment_deadline(conn, order_id)
            await conn.execute(SHORTEN_DEADLINES, moved.moved, DEADLINE_S)
        self.confirmed += len(moved.moved)

    async def pack(self) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            ids = [r["id"] for r in await conn.fetch(PACKABLE, self.session_ids)]
            moved = await transition(
                conn, ids, OrderStatus.PACKING, actor="staff:chaos-packer", reason="nhận đóng gói"
            )
        if moved.moved:
            # A crash between the two steps leaves 'packing' orders: the next turn's staff would
            # see them on the packing page; here they are finished below.
            self.packed += len(await mark_packed(self.pool, self.arq, moved.moved,
                                                 actor="staff:chaos-packer"))  # fmt: skip

    async def pack_carelessly(self) -> None:
        """Scan an order that may not ship: the state module and, behind it, the database (0019's
        trigger) refuse the move."""
        order_id = await self.pool.fetchval(BLOCKED, self.session_ids)
        if order_id is None:
            return
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                moved = await transition(
                    conn, [order_id], OrderStatus.PACKING, actor="staff:chaos", reason="nhầm"
                )
        except asyncpg.CheckViolationError:  # the trigger: the last wall
            self.refused_by_gate += 1
            return
        if moved.moved:  # paid meanwhile, so it may ship; if not, the live rules count it
            log.info("chaos.careless_packing_allowed", order_id=order_id)
        else:  # the state module's own filter
            self.refused_by_gate += 1

    async def finish_packing(self) -> None:
        ids = [
            r["id"]
            for r in await self.pool.fetch(
                "SELECT id FROM orders WHERE session_id = ANY($1::bigint[]) AND status = 'packing' "
                "AND updated_at < now() - interval '5 seconds'",
                self.session_ids,
            )
        ]
        if ids:
            self.packed += len(await mark_packed(self.pool, self.arq, ids, actor="staff:chaos"))


@dataclass
class Couriers:
    pool: asyncpg.Pool
    sims: Simulators
    session_ids: list[int]
    refuse_share: float
    seed: int
    walked: set[tuple[Courier, str]] = field(default_factory=set)
    delivered: int = 0
    refused: int = 0
    webhook_retries: int = 0
    _walks: set[asyncio.Task[None]] = field(default_factory=set)
    _gate: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(WALKS_AT_ONCE))

    async def dispatch(self) -> None:
        """Start a walk for every parcel chotdon booked that the courier has accepted."""
        sim = self.sims.couriers.sim
        for row in await self.pool.fetch(BOOKED, self.session_ids):
            key = (Courier(row["courier"]), row["client_order_code"])
            if key in self.walked or key not in sim.parcels:
                continue
            self.walked.add(key)
            refuse = random.Random(f"{self.seed}:{key[1]}").random() < self.refuse_share
            task = asyncio.create_task(self._walk(key, Scenario.REFUSE if refuse else
                                                  Scenario.DELIVER))  # fmt: skip
            self._walks.add(task)
            task.add_done_callback(self._walks.discard)

    async def _walk(self, key: tuple[Courier, str], scenario: Scenario) -> None:
        async with self._gate:
            for report in self.sims.couriers.sim.reports(key[0], key[1], scenario):
                await self._post_until_acknowledged(report)
        if scenario is Scenario.REFUSE:
            self.refused += 1
        else:
            self.delivered += 1

    async def _post_until_acknowledged(self, report: StatusReport) -> None:
        """A courier keeps retrying a status it could not deliver (the web may be restarting)."""
        sim, delay = self.sims.couriers.sim, 0.2
        while True:
            try:
                status = await sim.send(report)
            except (aiohttp.ClientError, OSError):
                status = 0
            if acknowledged(report.courier, status) or not retried(report.courier, status):
                return
            self.webhook_retries += 1
            await asyncio.sleep(delay)
            delay = min(3.0, delay * 2)

    async def stop(self) -> None:
        for task in self._walks:
            task.cancel()
        await asyncio.gather(*self._walks, return_exceptions=True)
