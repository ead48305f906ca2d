"""Enqueue merge work per shard of lives and time bucket, never per comment or per live.

The arq job id is the shard plus a short time bucket: every batch stored within the same bucket
maps to one job per shard it touched, deferred to the end of its bucket, and that job merges
every session of its shard with pending comments (read from Postgres when it runs, so a batch
whose enqueue found the job already made is still covered), several lives per transaction. A
burst over a hundred lives costs a handful of jobs per bucket instead of one per live. A comment
stored after its bucket's job started belongs to the next bucket (its commit, and so its
enqueue, comes after the bucket ended), so nothing waits for the sweeper.

Shards let several workers (or one worker's concurrent jobs) merge different lives at the same
time; the live's advisory lock keeps two jobs off the same live whatever the shards.
"""

from __future__ import annotations

from collections.abc import Iterable

from arq.connections import ArqRedis

from aggregator.ingest.buckets import enqueue_per_bucket
from aggregator.runtime import jobs

MERGE_BUCKET_S = 0.15
# Concurrent merge transactions at most per bucket: enough for the cores of a worker host or two,
# few enough that each job gets many lives' comments.
MERGE_SHARDS = 4


def merge_shard(session_id: int, shards: int = MERGE_SHARDS) -> int:
    return session_id % shards


def merge_job_id(shard: int, bucket: int) -> str:
    return f"merge:shard{shard}:{bucket}"


async def enqueue_merges(
    arq: ArqRedis, session_ids: Iterable[int], bucket_s: float = MERGE_BUCKET_S
) -> int:
    """Enqueue one merge per shard of these sessions for the current bucket; returns how many
    jobs were new. The job's args: no one session (None), its shard and the shard count."""
    return await enqueue_per_bucket(
        arq,
        jobs.MERGE_SESSION,
        {merge_shard(s) for s in session_ids},
        bucket_s=bucket_s,
        job_id=merge_job_id,
        args=lambda shard: (None, shard, MERGE_SHARDS),
    )
