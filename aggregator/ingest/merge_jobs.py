"""Enqueue merge work per shard of lives and time bucket, never per comment or per live.

The arq job id is the shard plus a short time bucket: every batch stored within the same bucket
maps to one job per shard it touched, deferred to the end of its bucket, and that job merges
every session of its shard with pending comments (read from Postgres when it runs, so a batch
whose enqueue found the job already made is still covered), several lives per transaction. A
burst over a hundred lives costs a handful of jobs per bucket instead of one per live. A comment
stored after its bucket's job started belongs to the next bucket (its commit, and so its
enqueue, comes after the bucket ended), so nothing waits for the sweeper.

Shards let several workers (or one worker's concurrent jobs) merge different lives at the same
time; the live's advisory lock keeps two jobs off the same live whatever the shards. Within a
shard one job at a time runs the merges (workers/merge_runner.py): a job that finds another
running ends at once, and the running one takes its comments in its next round.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import orjson
from arq.connections import ArqRedis

from aggregator.ingest.buckets import RecentJobs, enqueue_per_bucket
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
    arq: ArqRedis,
    session_ids: Iterable[int],
    bucket_s: float = MERGE_BUCKET_S,
    recent: RecentJobs | None = None,
) -> int:
    """Enqueue one merge per shard of these sessions for the current bucket; returns how many
    jobs were new. The job's args: no one session (None), its shard and the shard count.
    `recent`: a writer's memory of the jobs it asked for in this bucket (buckets.RecentJobs)."""
    return await enqueue_per_bucket(
        arq,
        jobs.MERGE_SESSION,
        {merge_shard(s) for s in session_ids},
        bucket_s=bucket_s,
        job_id=merge_job_id,
        args=lambda shard: (None, shard, MERGE_SHARDS),
        recent=recent,
    )


@dataclass(frozen=True, slots=True)
class RoundTiming:
    """One merge round of a shard, by wall clock (seconds since the epoch): the ingest bench
    joins it to its comments' stored and processed times for its latency breakdown."""

    shard: int
    started: float
    finished: float
    comments: int


async def record_round(arq: ArqRedis, key: str, timing: RoundTiming) -> None:
    """Append a round to the Redis list `key` (only when a bench asks for it: settings)."""
    row = [timing.shard, timing.started, timing.finished, timing.comments]
    await arq.rpush(key, orjson.dumps(row))  # type: ignore[misc]


async def recorded_rounds(arq: ArqRedis, key: str) -> list[RoundTiming]:
    raw_rounds = await arq.lrange(key, 0, -1)  # type: ignore[misc]
    return [RoundTiming(*orjson.loads(raw)) for raw in raw_rounds]
