"""One dashboard load per cooperative per tick, however many directors watch it.

Every open stream asks for its cooperative's snapshot each tick; the first ask after the snapshot
aged past its lifetime loads it (others asking meanwhile wait for that same load), the rest get the
cached one. So the query cost grows with the number of cooperatives watching, not of screens.

A snapshot lives `ttl_s`, or `busy_factor` times as long as it took to load if that is longer: a
cooperative whose lives grew big enough to make the queries slow is refreshed less often, so its
dashboard never keeps Postgres busy more than 1/busy_factor of the time (one connection).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class SharedSnapshots(Generic[T]):
    def __init__(
        self,
        load: Callable[[int], Awaitable[T]],
        ttl_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        busy_factor: float = 4.0,
    ) -> None:
        self._load = load
        self._ttl_s = ttl_s
        self._clock = clock
        self._busy_factor = busy_factor
        self._entries: dict[int, tuple[float, float, T]] = {}  # (loaded at, lifetime, value)
        self._locks: dict[int, asyncio.Lock] = {}
        self.loads = 0  # how many times a snapshot was loaded (tests and logs read it)

    def _fresh(self, tenant_id: int) -> T | None:
        entry = self._entries.get(tenant_id)
        if entry is not None and self._clock() - entry[0] < entry[1]:
            return entry[2]
        return None

    async def get(self, tenant_id: int) -> T:
        """The cooperative's snapshot, at most `ttl_s` old."""
        cached = self._fresh(tenant_id)
        if cached is not None:
            return cached
        async with self._locks.setdefault(tenant_id, asyncio.Lock()):
            cached = self._fresh(tenant_id)  # loaded by whoever held the lock before us
            if cached is not None:
                return cached
            started = self._clock()
            value = await self._load(tenant_id)
            done = self._clock()
            lifetime = max(self._ttl_s, self._busy_factor * (done - started))
            self._entries[tenant_id] = (done, lifetime, value)
            self.loads += 1
            return value
