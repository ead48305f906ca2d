"""Enqueue merge work per live session, never per comment.

The arq job id is the session plus a short time bucket: every batch stored for a session within the
same bucket maps to one job, so a burst of thousands of comments costs a handful of jobs. When the
bucket's job already exists (queued or running), a follow-up in the next bucket is deferred to its
start, so comments stored while a merge runs are not left for the sweeper.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from arq.connections import ArqRedis

from aggregator import jobs

MERGE_BUCKET_S = 0.25


def merge_job_id(session_id: int, bucket: int) -> str:
    return f"merge:{session_id}:{bucket}"


async def enqueue_merges(
    arq: ArqRedis, session_ids: Iterable[int], bucket_s: float = MERGE_BUCKET_S
) -> int:
    """Enqueue one merge per session for the current bucket; returns how many jobs were new."""
    now = time.time()
    bucket = int(now / bucket_s)
    created = 0
    for session_id in sorted(set(session_ids)):
        job = await arq.enqueue_job(
            jobs.MERGE_SESSION, session_id, _job_id=merge_job_id(session_id, bucket)
        )
        if job is None:
            job = await arq.enqueue_job(
                jobs.MERGE_SESSION,
                session_id,
                _job_id=merge_job_id(session_id, bucket + 1),
                _defer_by=max(0.0, (bucket + 1) * bucket_s - now),
            )
        created += job is not None
    return created
