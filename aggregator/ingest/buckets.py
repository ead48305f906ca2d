"""Enqueue work per key and time bucket, never per event: the pattern every batched job uses.

A job id is the key plus the current time bucket, and the job is deferred to the bucket's end, so
all that happens to one key within a bucket is handled by one job that sees all of it. arq refuses
a second job with the same id, which is what coalesces a burst.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from arq.connections import ArqRedis

K = TypeVar("K", bound=Hashable)
# Enough in flight to hide Redis round trips, few enough not to swamp the pool.
ENQUEUE_CONCURRENCY = 16


def current_bucket(bucket_s: float) -> tuple[int, float]:
    """(bucket number, seconds left until it ends)."""
    now = time.time()
    if bucket_s <= 0:
        return int(now), 0.0
    bucket = int(now / bucket_s)
    return bucket, max(0.0, (bucket + 1) * bucket_s - now)


async def enqueue_per_bucket(
    arq: ArqRedis,
    job_name: str,
    keys: Iterable[K],
    *,
    bucket_s: float,
    job_id: Callable[[K, int], str],
    args: Callable[[K], tuple[Any, ...]] = lambda key: (key,),
) -> int:
    """One job per key for the current bucket; returns how many jobs were new."""
    bucket, defer_by = current_bucket(bucket_s)
    limit = asyncio.Semaphore(ENQUEUE_CONCURRENCY)

    async def enqueue(key: K) -> bool:
        async with limit:
            job = await arq.enqueue_job(
                job_name, *args(key), _job_id=job_id(key, bucket), _defer_by=defer_by
            )
        return job is not None

    made = await asyncio.gather(*(enqueue(key) for key in sorted(set(keys))))  # type: ignore[type-var]
    return sum(made)
