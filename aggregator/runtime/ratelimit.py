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
