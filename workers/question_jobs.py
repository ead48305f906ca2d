"""Thin jobs around the inbox of buyers' questions: file a live's, answer the common ones."""

from __future__ import annotations

import time
from typing import Any

from arq.connections import ArqRedis

from aggregator.questions.filing import file_session, has_new_questions, sessions_to_file
from aggregator.runtime import jobs
from workers.context import PG_POOL

FILE_BUCKET_S = 1.0


async def enqueue_filing(arq: ArqRedis, session_id: int) -> None:
    """One filing job per live and second: a burst of merges files its questions once."""
    bucket = int(time.time() / FILE_BUCKET_S)
    await arq.enqueue_job(
        jobs.FILE_QUESTIONS, session_id, _job_id=f"questions:{session_id}:{bucket}"
    )


async def file_questions_job(ctx: dict[str, Any], session_id: int) -> int:
    stats = await file_session(ctx[PG_POOL], ctx["redis"], session_id)
    return stats.filed


async def sweep_questions_job(ctx: dict[str, Any]) -> int:
    """Lives whose questions a lost job left unfiled get a filing job again."""
    sessions = await sessions_to_file(ctx[PG_POOL])
    for session_id in sessions:
        await enqueue_filing(ctx["redis"], session_id)
    return len(sessions)


async def after_merge(ctx: dict[str, Any], session_id: int) -> None:
    """A merge stored comments: file the live's questions if its newest one waits."""
    if await has_new_questions(ctx[PG_POOL], session_id):
        await enqueue_filing(ctx["redis"], session_id)
