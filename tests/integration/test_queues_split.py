"""Two queues, each with its own worker slots: a backlog of sends never delays a merge, and
`chotdon worker` runs both queues (or the one it is told)."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time

import asyncpg
import pytest
from arq.connections import ArqRedis

from aggregator.ingest.pipeline import Ingestor
from aggregator.runtime import jobs
from aggregator.runtime.queue import create_arq_pool, queue_names
from aggregator.settings import Settings
from tests.support.factories import seed_shop
from tests.support.processes import REPO, chotdon, cli_env
from workers.settings import build_worker

BACKLOG = 400
BACKLOG_PREFIX = b"backlog:"


async def _backlog_left(arq: ArqRedis, settings: Settings) -> int:
    """Backlog jobs still waiting on the queue that holds sends."""
    members = await arq.zrange(queue_names(settings).outbound, 0, -1)
    return sum(m.startswith(BACKLOG_PREFIX) for m in members)


async def _merge_behind_a_backlog(
    db: asyncpg.Connection, pool: asyncpg.Pool, settings: Settings, queues: tuple[str, ...]
) -> int:
    """Queue BACKLOG send jobs, then comments whose merge job comes after them; run one worker
    slot per queue; return how many sends still waited when the comments were merged."""
    shop = await seed_shop(db)
    arq = await create_arq_pool(settings)
    try:
        async with arq.pipeline(transaction=False):
            for i in range(BACKLOG):  # sends of rows that do not exist: each a quick real job
                await arq.enqueue_job(jobs.FACEBOOK_SEND, 10**9 + i, _job_id=f"backlog:{i}")
        async with Ingestor(pool, arq) as ingestor:
            await ingestor.submit_many([shop.comment("chốt A01", f"u{i}") for i in range(20)])
        workers = [
            build_worker(settings, q, max_jobs=1, poll_delay=0.005, handle_signals=False,
                         cron_jobs=[])
            for q in queues
        ]  # fmt: skip
        running = [asyncio.create_task(w.main()) for w in workers]
        try:
            deadline = time.monotonic() + 120
            while await db.fetchval("SELECT count(*) FROM comments WHERE status = 'pending'"):
                assert time.monotonic() < deadline, "the comments were never merged"
                await asyncio.sleep(0.01)
            return await _backlog_left(arq, settings)
        finally:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            await asyncio.gather(*(w.close() for w in workers), return_exceptions=True)
    finally:
        await arq.aclose()


async def test_a_backlog_of_sends_does_not_hold_back_a_merge(
    db: asyncpg.Connection, pool: asyncpg.Pool, settings: Settings
) -> None:
    left = await _merge_behind_a_backlog(db, pool, settings, jobs.QUEUES)
    assert left > 0, "the merge waited for every send queued before it"


@pytest.mark.timeout(300)  # a thousand jobs through one slot on a busy machine
async def test_on_one_shared_queue_the_same_merge_waits_behind_every_send(
    db: asyncpg.Connection, pool: asyncpg.Pool, settings: Settings
) -> None:
    """The control: both queues named alike (chotdon before the split) and one slot, the merge
    job queued after the sends runs after all of them. The test above can fail."""
    shared = settings.model_copy(update={"arq_outbound_queue": settings.arq_queue})
    assert await _merge_behind_a_backlog(db, pool, shared, (jobs.ORDERS,)) == 0


def _start(settings: Settings, *args: str) -> subprocess.Popen[bytes]:
    env = cli_env(
        DATABASE_URL=settings.database_url or "",
        REDIS_URL=settings.redis_url or "",
        CHOTDON_ARQ_QUEUE=settings.arq_queue,
    )
    return subprocess.Popen(
        chotdon("worker", *args), env=env, cwd=REPO,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


async def _until(check: object, what: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not await check():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.1)


def _stop(worker: subprocess.Popen[bytes]) -> int:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
    try:
        return worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        return worker.wait()


@pytest.mark.timeout(300)  # two `chotdon worker` processes; each starts slowly on a busy machine
async def test_chotdon_worker_runs_both_queues_and_one_when_told(
    pool: asyncpg.Pool, arq_pool: ArqRedis, settings: Settings
) -> None:
    await arq_pool.enqueue_job(jobs.RECORD_HEARTBEAT, "test", _job_id="hb-orders")  # orders
    await arq_pool.enqueue_job(jobs.POLL_SHIPMENTS, _job_id="poll-outbound")  # outbound
    outbound = queue_names(settings).outbound
    assert await arq_pool.zcard(outbound) == 1

    async def heartbeat() -> bool:
        return bool(
            await pool.fetchval("SELECT 1 FROM worker_heartbeats WHERE job_id = 'hb-orders'")
        )

    async def polled() -> bool:  # run and gone (a cron job keeps no result)
        return not await arq_pool.exists("arq:job:poll-outbound")

    only_orders = _start(settings, "--queue", "orders")
    try:
        await _until(heartbeat, "the orders worker never ran the heartbeat")
        await asyncio.sleep(0.5)  # a worker of both queues would have run the poll by now
        assert await arq_pool.zcard(outbound) == 1 and not await polled()
    finally:
        assert _stop(only_orders) == 0

    both = _start(settings)
    try:
        await _until(polled, "the default worker never ran the outbound queue's job")
    finally:
        assert _stop(both) == 0  # SIGTERM stops both queues' workers cleanly
