"""The per-page sending rate, shared through Redis by every worker."""

from __future__ import annotations

import asyncio
import time

import redis.asyncio as aioredis

from aggregator.runtime.ratelimit import slot_or_turn


async def test_callers_past_the_rate_are_each_given_their_own_later_second(
    clean_redis: aioredis.Redis,
) -> None:
    """17 sends at 5 a second: 5 now, then 5 at each of the next seconds, each told its turn."""
    if time.time() % 1 > 0.5:  # the 17 calls must fall in one second
        await asyncio.sleep(1 - time.time() % 1)
    window = int(time.time())
    turns = []
    for _ in range(17):
        # The turn is counted from the time read as the call begins, before its Redis round
        # trips: read after them, `now` ran a millisecond late on a slow machine (2.001).
        before = time.time()
        turn = await slot_or_turn(clean_redis, "page:9", 5)
        turns.append(0.0 if turn == 0 else round(before + turn - window, 3))
    assert int(time.time()) == window
    assert turns == [0.0] * 5 + [1.0] * 5 + [2.0] * 5 + [3.0] * 2
    # another page has its own budget
    assert await slot_or_turn(clean_redis, "page:2", 1) == 0.0
