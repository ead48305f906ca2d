"""Run every job queued on both arq queues (orders and outbound) to the end, for tests."""

from __future__ import annotations

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
