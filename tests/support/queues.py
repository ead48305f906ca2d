"""Run every job queued on both arq queues (orders and outbound) to the end, for tests; make arq
find a job expired."""

from __future__ import annotations

from arq.connections import ArqRedis
from arq.constants import job_key_prefix
from arq.jobs import Job, JobStatus

from aggregator.runtime import jobs
from aggregator.settings import Settings
from workers.settings import build_worker


async def drain_queues(settings: Settings, rounds: int = 10) -> int:
    """Burst workers of each queue in turn until a round runs nothing (a job on one queue may
    enqueue on the other: a merge queues buyer messages); returns how many jobs completed."""
    complete = 0
    for _ in range(rounds):
        ran = 0
        for queue in jobs.QUEUES:
            worker = build_worker(
                settings, queue, burst=True, poll_delay=0, handle_signals=False, cron_jobs=[]
            )
            try:
                await worker.main()
            finally:
                await worker.close()
            ran += worker.jobs_complete + worker.jobs_failed + worker.jobs_retried
            complete += worker.jobs_complete
        if ran == 0:
            return complete
    return complete


async def expire_jobs(settings: Settings, arq: ArqRedis, function: str, *job_ids: str) -> int:
    """What a Redis flushed between a worker's poll of the queue and its read of the job leaves:
    the jobs' payloads gone, their queue entries left, and a burst worker of their queue finding
    them expired. arq records each as failed and keeps that record (status complete) for the
    worker's keep_result, an hour, whatever the function's. Returns the jobs the worker failed."""
    await arq.delete(*(job_key_prefix + job_id for job_id in job_ids))
    worker = build_worker(
        settings, jobs.queue_of(function), burst=True, poll_delay=0, handle_signals=False,
        cron_jobs=[],
    )  # fmt: skip
    try:
        await worker.main()
    finally:
        await worker.close()
    for job_id in job_ids:
        assert await Job(job_id, arq).status() is JobStatus.complete, job_id  # arq's record
    return worker.jobs_failed
