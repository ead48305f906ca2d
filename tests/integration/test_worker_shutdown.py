"""A worker stopped while a job runs still shuts down: its on_shutdown closes the Postgres pool
and the HTTP sessions (arq's own close skipped it when a cancelled job was among its tasks)."""

from __future__ import annotations

import asyncio
from typing import Any

from arq import func
from arq.connections import ArqRedis

from aggregator.runtime import jobs
from aggregator.settings import Settings
from workers.settings import build_worker


async def test_a_worker_stopped_during_a_job_still_runs_its_shutdown(
    settings: Settings, arq_pool: ArqRedis
) -> None:
    started, shut_down = asyncio.Event(), asyncio.Event()

    async def long_job(ctx: dict[str, Any]) -> None:
        started.set()
        await asyncio.sleep(60)

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        shut_down.set()

    worker = build_worker(
        settings, jobs.ORDERS, functions=[func(long_job, name="long_job")], cron_jobs=[],
        on_startup=None, on_shutdown=on_shutdown, handle_signals=False, poll_delay=0.01,
    )  # fmt: skip
    worker.main_task = asyncio.create_task(worker.main())  # as `chotdon worker` runs each queue
    await arq_pool.enqueue_job("long_job", _job_id="long-job")
    await asyncio.wait_for(started.wait(), 20)
    # A run of a job cancelled outside the job itself (arq's finish_job is shielded, so a stop
    # while a job finishes ends its task cancelled): the stop's gather of the tasks raised.
    worker.tasks["finishing"] = asyncio.create_task(asyncio.sleep(60))
    await asyncio.wait_for(worker.close(), 20)  # the job is cancelled (arq retries it later)
    assert shut_down.is_set()
