"""Enqueue a job that keeps no result under its own id again, past arq's record of a lost try.

The jobs a sweeper re-enqueues under the same id (a send, a booking, a TikTok fulfilment) keep no
result (keep_result=0), so their id is free again the moment they end and arq's refusal of a
same-id enqueue means "that job is still waiting, deferred or running". Not quite: a try that
never ran the function leaves a failure record that arq keeps for the WORKER's keep_result (an
hour), whatever the function's: the job found expired (Redis flushed between a worker's poll of
the queue and its read of the job) or out of tries (workers killed mid-job). All that hour the id
is refused and the row the job guards waits. Such a record can only be arq's own for these jobs:
it is deleted and the job made again.
"""

from __future__ import annotations

from typing import Any

import structlog
from arq.connections import ArqRedis
from arq.constants import result_key_prefix
from arq.jobs import Job, JobStatus

from aggregator.runtime import jobs

log = structlog.get_logger()


async def enqueue_keyed(arq: ArqRedis, function: str, *args: Any, job_id: str) -> Job | None:
    """arq's enqueue_job under `job_id`; None while a job of that id waits, is deferred or runs.
    Only for jobs.KEEP_NO_RESULT: any other job's result may be a real one, kept on purpose."""
    if function not in jobs.KEEP_NO_RESULT:
        raise ValueError(f"{function!r} keeps its results: a same-id enqueue must respect them")
    job = await arq.enqueue_job(function, *args, _job_id=job_id)
    if job is not None:
        return job
    # Refused: only now one more round trip, to tell a live job from arq's failure record.
    if await Job(job_id, arq).status() is not JobStatus.complete:
        return None  # waiting, deferred or running: that job does the work
    await arq.delete(result_key_prefix + job_id)
    log.warning("queue.failure_record_cleared", function=function, job_id=job_id)
    return await arq.enqueue_job(function, *args, _job_id=job_id)
