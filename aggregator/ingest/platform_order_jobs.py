"""Enqueue the apply job of platform orders per shop and time bucket, never per order.

Like the merge jobs: the job id is the shop's channel plus a short time bucket, so every batch
stored for a shop within one bucket maps to one job, deferred to the bucket's end. The sweeper
re-enqueues the shops whose stored states are still unapplied (Redis lost the job).
"""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg
import structlog
from arq.connections import ArqRedis

from aggregator.ingest.buckets import enqueue_per_bucket
from aggregator.runtime import jobs
from schema.queries import query

log = structlog.get_logger()
PLATFORM_BUCKET_S = 0.5
STALE_AFTER_S = 10.0


def platform_orders_job_id(channel_id: int, bucket: int) -> str:
    return f"platform-orders:{channel_id}:{bucket}"


async def enqueue_platform_orders(
    arq: ArqRedis, channel_ids: Iterable[int], bucket_s: float = PLATFORM_BUCKET_S
) -> int:
    """One apply job per shop for the current bucket; returns how many jobs were new."""
    return await enqueue_per_bucket(
        arq,
        jobs.APPLY_PLATFORM_ORDERS,
        channel_ids,
        bucket_s=bucket_s,
        job_id=platform_orders_job_id,
    )


async def requeue_unapplied_platform_orders(
    pool: asyncpg.Pool, arq: ArqRedis, stale_after_s: float = STALE_AFTER_S
) -> int:
    """Shops with platform order states stored a while ago and still not applied."""
    rows = await pool.fetch(query("channels_with_unapplied_platform_orders"), stale_after_s)
    if rows:
        await enqueue_platform_orders(arq, [r["channel_id"] for r in rows])
        log.info("sweep.platform_orders_requeued", channels=len(rows))
    return len(rows)
