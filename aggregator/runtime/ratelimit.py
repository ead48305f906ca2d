"""A fixed-window rate limit in Redis, shared by every worker process.

Used to keep messages to buyers under a page's sending rate before the platform has to refuse
them: a burst of confirmations after a live waits its turn instead of tripping rate limits.
"""

from __future__ import annotations

import asyncio
import time

from redis.asyncio import Redis

WINDOW_S = 1


async def acquire(redis: Redis, key: str, per_second: int, max_wait_s: float = 10.0) -> bool:
    """Take one slot of `key`'s current second; wait for the next second when it is full.

    Returns False when no slot came up within `max_wait_s` (the caller retries later).
    """
    deadline = time.monotonic() + max_wait_s
    while True:
        window = int(time.time())
        slot = f"{key}:{window}"
        taken = await redis.incr(slot)
        if taken == 1:
            await redis.expire(slot, WINDOW_S + 1)
        if taken <= per_second:
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(max(0.01, window + WINDOW_S - time.time()))


async def slot_or_turn(redis: Redis, key: str, per_second: int) -> float:
    """Take one slot of `key`'s current second and return 0.0; or, the second being full, how
    many seconds from now this caller's turn comes: the n-th caller past the rate comes back
    n // per_second seconds after the next second begins. Callers told to come back all at the
    next second found it full again, most of them, and came back again: a backlog of n sends at
    r a second ran about n² / 2r times instead of n (a Page's confirmations after a live)."""
    now = time.time()
    window = int(now)
    slot = f"{key}:{window}"
    taken = int(await redis.incr(slot))
    if taken == 1:
        await redis.expire(slot, WINDOW_S + 1)
    if taken <= per_second:
        return 0.0
    later = (taken - per_second - 1) // per_second
    return window + WINDOW_S * (1 + later) - now
