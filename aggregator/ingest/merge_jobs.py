"""Enqueue merge work per live session, never per comment.

The arq job id is the session plus a short time bucket: every batch stored for a session within the
same bucket maps to one job, deferred to the end of its bucket so that it merges the whole bucket at
once. A burst of thousands of comments costs a handful of jobs, and a quiet live costs at most one
job per bucket. A comment stored after its bucket's job started belongs to the next bucket (its
commit, and so its enqueue, comes after the bucket ended), so nothing waits for the sweeper.
"""

from __future__ import annotations

from collections.abc import Iterable

from arq.connections import ArqRedis

from aggregator.ingest.buckets import enqueue_per_bucket
from aggregator.runtime import jobs

MERGE_BUCKET_S = 0.15


def merge_job_id(session_id: int, bucket: int) -> str:
    return f"merge:{session_id}:{bucket}"


async def enqueue_merges(
    arq: ArqRedis, session_ids: Iterable[int], bucket_s: float = MERGE_BUCKET_S
) -> int:
    """Enqueue one merge per session for the current bucket; returns how many jobs were new."""
    return await enqueue_per_bucket(
        arq, jobs.MERGE_SESSION, session_ids, bucket_s=bucket_s, job_id=merge_job_id
    )
