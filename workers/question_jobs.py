"""Thin jobs around the inbox of buyers' questions: file a live's, answer the common ones."""

from __future__ import annotations

import time
from typing import Any

from arq.connections import ArqRedis

from aggregator.ingest.buckets import enqueue_many
from aggregator.questions.filing import file_session, sessions_to_file, sessions_with_new_questions
from aggregator.runtime import jobs
from workers.context import PG_POOL

FILE_BUCKET_S = 1.0


async def enqueue_filing(arq: ArqRedis, session_ids: list[int]) -> None:
    """One filing job per live and second, due at once: a burst of merges files its questions
    once. All of them in one Redis round trip (arq's enqueue_job takes four per job)."""
    bucket = int(time.time() / FILE_BUCKET_S)
    await enqueue_many(
        arq, jobs.FILE_QUESTIONS, [(f"questions:{s}:{bucket}", (s,)) for s in session_ids]
    )


async def file_questions_job(ctx: dict[str, Any], session_id: int) -> int:
    stats = await file_session(ctx[PG_POOL], ctx["redis"], session_id)
    return stats.filed


async def sweep_questions_job(ctx: dict[str, Any]) -> int:
    """Lives whose questions a lost job left unfiled get a filing job again."""
    sessions = await sessions_to_file(ctx[PG_POOL])
    await enqueue_filing(ctx["redis"], sessions)
    return len(sessions)


async def after_merge(ctx: dict[str, Any], merged: dict[int, tuple[int, int]]) -> None:
    """A merge round merged comments of these lives (session -> the lowest and highest comment
    id it merged): file the questions of those whose newest one among them waits (one query for
    them all)."""
    if merged:
        await enqueue_filing(ctx["redis"], await sessions_with_new_questions(ctx[PG_POOL], merged))
