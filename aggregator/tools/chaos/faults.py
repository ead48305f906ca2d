"""The faults of a chaos run, each applied for real to the running system."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import redis.asyncio as aioredis
import structlog

from aggregator.runtime.db import connection
from aggregator.tools.chaos.config import Fault
from aggregator.tools.chaos.processes import Fleet
from aggregator.tools.chaos.world import Simulators

log = structlog.get_logger()
WEB_DOWN_S = 1.0
PULLER_DOWN_S = 2.0
BUSY_WAIT_S = 5.0
STALL_WAIT_S = 90.0
# Where the run started the (embedded) Postgres itself, the Postgres fault restarts the server.
# On a server from DATABASE_URL, which may be shared, it drops every connection to the run's own
# database instead, ours included: other databases are not touched.
TERMINATE_ALL = (
    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
)
RESTART_POSTGRES = "restart_postgres"  # how a Postgres fault is counted when it restarted it
PENDING = "SELECT count(*) FROM comments WHERE status = 'pending'"


@dataclass
class Injector:
    fleet: Fleet
    sims: Simulators
    database_url: str
    redis_url: str
    courier_timeout_s: float
    restart_postgres: Callable[[], None] | None = None  # blocking; None: not ours to restart
    injected: Counter[str] = field(default_factory=Counter)
    connections_dropped: int = 0
    _background: set[asyncio.Task[None]] = field(default_factory=set)

    async def strike(self, fault: Fault) -> None:
        log.info("chaos.fault", fault=fault.value)
        if fault is Fault.KILL_WORKER:
            await self._wait_for_work()
            await self.fleet.kill_worker(self.injected[fault] % len(self.fleet.workers))
        elif fault is Fault.KILL_WEB:
            await self.fleet.kill_web(self.injected[fault] % len(self.fleet.webs), WEB_DOWN_S)
        elif fault is Fault.KILL_PULLER:
            await self.fleet.kill_puller(PULLER_DOWN_S)
        elif fault is Fault.FLUSH_REDIS:
            client = aioredis.from_url(self.redis_url)  # type: ignore[no-untyped-call]
            try:
                await client.flushdb()
            finally:
                await client.aclose()
        elif fault is Fault.DROP_POSTGRES:
            self.injected[await self._postgres_fault()] += 1
            return
        else:
            task = asyncio.create_task(self._courier_stalls())
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        self.injected[fault] += 1

    async def _postgres_fault(self) -> str:
        """Restart the server where it is ours, else drop the run's connections; what it did."""
        if self.restart_postgres is not None:
            await asyncio.to_thread(self.restart_postgres)
            return RESTART_POSTGRES
        async with connection(self.database_url) as conn:
            self.connections_dropped += int(await conn.fetchval(TERMINATE_ALL))
        return Fault.DROP_POSTGRES.value

    async def _wait_for_work(self) -> None:
        """Strike a worker while comments are waiting, so it dies in the middle of its batches."""
        deadline = time.monotonic() + BUSY_WAIT_S
        async with connection(self.database_url) as conn:
            while await conn.fetchval(PENDING) == 0 and time.monotonic() < deadline:
                await asyncio.sleep(0.05)

    async def _courier_stalls(self) -> None:
        """Every new parcel is accepted and then answered too late, until one client timed out."""
        faults, before = self.sims.couriers.sim.faults, self.sims.couriers.sim.stalled
        faults.stall_s = self.courier_timeout_s + 1.0
        faults.timeout_after_accept = 1.0
        deadline = time.monotonic() + STALL_WAIT_S
        while self.sims.couriers.sim.stalled == before and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        faults.timeout_after_accept = 0.0

    async def settle(self) -> None:
        """Wait for a courier stall still in progress (it ends by itself)."""
        await asyncio.gather(*self._background, return_exceptions=True)
