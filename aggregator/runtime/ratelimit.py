"""A fixed-window rate limit in Redis, shared by every worker process.

Used to keep messages to buyers under a page's sending rate before the platform has to refuse
them: a burst of confirmations after a live waits its turn, each send told when, instead of
tripping rate limits.
"""

from __future__ import annotations

import time

from redis.asyncio import Redis

WINDOW_S = 1


async def slot_or_turn(redis: Redis, key: str, per_second: int) -> float:
    """Take one slot of `key`'s current second and return 0.0; or, the second being full, how
    many seconds from now this caller's turn comes: the n-th caller past the rate (from 1) comes
    back (n - 1) // per_second seconds after the next second begins. Told to come back all at the
    next second, most callers found it full again and came back again: a backlog of n sends at r
    a second ran about n² / 2r times instead of n (a Page's confirmations after a live)."""
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
