"""`chotdon worker`: one arq Worker per queue in one process, or the one queue it is told.

Each queue's Worker has its own slots (max_jobs), its own Postgres pool and its own poll loop, so
a burst of sends that fills every outbound slot leaves the merges' slots free. They share the
event loop and the signals: SIGINT/SIGTERM stop both, and one that dies stops the other, so a
supervisor (systemd, the demo, the chaos run) restarts the whole process rather than leaving
half a worker running.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Sequence

import structlog
from arq.worker import Worker

from aggregator.runtime import jobs
from aggregator.runtime.startup import freeze_startup_objects
from aggregator.settings import Settings
from workers.settings import build_worker, shared_queue

log = structlog.get_logger()


def queues_to_run(settings: Settings, queue: str | None) -> tuple[str, ...]:
    """The queues a `chotdon worker [--queue Q]` serves: the one named, else both (one when the
    settings name both queues alike)."""
    if queue is not None:
        if queue not in jobs.QUEUES:
            raise ValueError(f"no queue named {queue!r} (orders or outbound)")
        return (queue,)
    return (jobs.ORDERS,) if shared_queue(settings) else jobs.QUEUES


def run_worker(settings: Settings, queue: str | None = None) -> None:
    """Run until a signal (or until a Worker fails, whose error is raised)."""
    queues = queues_to_run(settings, queue)
    freeze_startup_objects()
    if len(queues) == 1:
        build_worker(settings, queues[0]).run()  # arq's own signal handling, as before
        return
    workers = [build_worker(settings, q, handle_signals=False) for q in queues]
    workers[0].loop.run_until_complete(_run_together(workers))


async def _run_together(workers: Sequence[Worker]) -> None:
    loop = asyncio.get_running_loop()
    for worker in workers:
        worker.main_task = loop.create_task(worker.main())
    stopped = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopped.set)
    waiting = loop.create_task(stopped.wait())
    mains = [w.main_task for w in workers if w.main_task is not None]
    try:
        done, _ = await asyncio.wait([waiting, *mains], return_when=asyncio.FIRST_COMPLETED)
    finally:
        # close() cancels the Worker's running jobs and its poll loop (arq retries a cancelled
        # job), then closes its pools; the same as arq does for one Worker on a signal.
        waiting.cancel()
        await asyncio.gather(*(w.close() for w in workers), return_exceptions=True)
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    for task in done:
        error = None if task is waiting or task.cancelled() else task.exception()
        if error is not None:  # a Worker that ended on its own failed (Redis gone, a bug)
            log.error("worker.queue_failed", error=type(error).__name__)
            raise error
