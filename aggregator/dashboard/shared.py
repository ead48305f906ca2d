"""One dashboard load per cooperative per tick, however many directors watch it.

Every open stream asks for its cooperative's snapshot each tick; the first ask after the snapshot
aged past `ttl_s` loads it (others asking meanwhile wait for that same load), the rest get the
cached one. So the query cost grows with the number of cooperatives watching, not of screens.
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
    ) -> None:
        self._load = load
        self._ttl_s = ttl_s
        self._clock = clock
        self._entries: dict[int, tuple[float, T]] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        self.loads = 0  # how many times a snapshot was loaded (tests and logs read it)

    def _fresh(self, tenant_id: int) -> T | None:
        entry = self._entries.get(tenant_id)
        if entry is not None and self._clock() - entry[0] < self._ttl_s:
            return entry[1]
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
            value = await self._load(tenant_id)
            self._entries[tenant_id] = (self._clock(), value)
            self.loads += 1
            return value

    def forget(self, tenant_id: int) -> None:
        """Drop a cooperative's snapshot (nobody watches it any more)."""
        self._entries.pop(tenant_id, None)
