"""The per-page sending rate, shared through Redis by every worker."""

from __future__ import annotations

import asyncio
import time

import redis.asyncio as aioredis

from aggregator.runtime.ratelimit import acquire


async def test_a_full_second_waits_for_the_next_and_gives_up_in_time(
    clean_redis: aioredis.Redis,
) -> None:
    started = time.monotonic()
    taken = await asyncio.gather(
        *(acquire(clean_redis, "page:1", 5, max_wait_s=3) for _ in range(8))
    )
    assert all(taken)  # five in this second, three in the next one
    assert time.monotonic() - started < 3
    # another page has its own budget
    assert await acquire(clean_redis, "page:2", 1, max_wait_s=0)
    # nothing left and no time to wait: the caller is told to retry later
    await acquire(clean_redis, "page:3", 1, max_wait_s=0)
    assert not await acquire(clean_redis, "page:3", 1, max_wait_s=0)
