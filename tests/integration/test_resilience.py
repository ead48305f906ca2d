"""Losing Redis or a worker delays work and loses none: Postgres is the truth."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess

import asyncpg
import redis.asyncio as aioredis
from arq.connections import ArqRedis
from arq.jobs import Job, JobStatus

from aggregator.ingest.pipeline import Ingestor
from aggregator.runtime import jobs
from aggregator.runtime.queue import job_queue
from aggregator.settings import Settings
from tests.support.factories import seed_shop
from tests.support.invariants import assert_consistent
from tests.support.processes import REPO, chotdon, cli_env
from tests.support.queues import expire_jobs
from workers.settings import build_worker
from workers.sweeper import sweep


async def run_worker_until_idle(settings: Settings) -> int:
    worker = build_worker(settings, burst=True, poll_delay=0, handle_signals=False, cron_jobs=[])
    try:
        await worker.main()
    finally:
        await worker.close()
    return worker.jobs_complete


async def pending(db: asyncpg.Connection) -> int:
    return await db.fetchval("SELECT count(*) FROM comments WHERE status = 'pending'")


async def run_worker_until_settled(settings: Settings, db: asyncpg.Connection) -> None:
    """A worker that keeps running (the killed worker's job stays 'in progress' in Redis until
    its timeout, so a burst worker would wait for it) until no comment is pending."""
    worker = build_worker(settings, poll_delay=0.05, handle_signals=False, cron_jobs=[])
    running = asyncio.create_task(worker.main())
    try:
        for _ in range(1200):
            if await pending(db) == 0:
                return
            await asyncio.sleep(0.05)
        raise AssertionError("comments still pending after 60 s")
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        # Jobs still running (buyer messages the merges queued) are cancelled by close().
        with contextlib.suppress(asyncio.CancelledError):
            await worker.close()


async def test_flushing_redis_loses_nothing(
    db: asyncpg.Connection,
    pool: asyncpg.Pool,
    arq_pool: ArqRedis,
    settings: Settings,
    clean_redis: aioredis.Redis,
) -> None:
    shop = await seed_shop(db, stock={"A01": 50})
    async with Ingestor(pool, arq_pool) as ingestor:
        await ingestor.submit_many([shop.comment("chốt A01", f"u{i}") for i in range(300)])
    await clean_redis.flushdb()  # every queued merge job is gone
    assert await run_worker_until_idle(settings) == 0
    assert await pending(db) == 300

    report = await sweep(pool, arq_pool, stale_after_s=0)
    assert report.sessions_requeued == 1
    assert await run_worker_until_idle(settings) >= 1
    assert await pending(db) == 0
    assert await db.fetchval("SELECT count(*) FROM orders") == 300
    await assert_consistent(db)


async def test_a_merge_job_arq_found_expired_does_not_block_the_sweeper(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, settings: Settings
) -> None:
    """A merge job arq found expired (Redis flushed between a worker's poll and its read of the
    job) leaves a failure record arq keeps an hour, whatever the merge's keep_result=0. It never
    refuses the sweeper: a merge job's id names its time bucket, the job runs only once that
    bucket is over, and every later enqueue names a later bucket (so no record is cleared)."""
    shop = await seed_shop(db, stock={"A01": 50})
    async with Ingestor(pool, arq_pool) as ingestor:
        await ingestor.submit_many([shop.comment("chốt A01", f"u{i}") for i in range(30)])
    queue = job_queue(arq_pool, jobs.MERGE_SESSION)
    lost = [m.decode() for m in await arq_pool.zrange(queue, 0, -1)]
    assert lost and all(job_id.startswith("merge:") for job_id in lost)
    assert await expire_jobs(settings, arq_pool, jobs.MERGE_SESSION, *lost) == len(lost)
    assert await pending(db) == 30

    assert (await sweep(pool, arq_pool, stale_after_s=0)).sessions_requeued == 1
    assert await run_worker_until_idle(settings) >= 1
    assert await pending(db) == 0
    for job_id in lost:  # the sweeper's job had an id of its own
        assert await Job(job_id, arq_pool).status() is JobStatus.complete
    await assert_consistent(db)


async def test_worker_killed_mid_merge_leaves_nothing_half_applied(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, settings: Settings
) -> None:
    shop = await seed_shop(db, stock={"A01": 500, "N01": 300})
    texts = ["chốt A01", "lấy 2 hộp nem", "thêm 1 A01", "hủy nem", "A01 x3", "ib"]
    events = [shop.comment(texts[i % len(texts)], f"u{i % 2000}") for i in range(24_000)]
    async with Ingestor(pool, arq_pool) as ingestor:
        await ingestor.submit_many(events)

    env = cli_env(
        DATABASE_URL=settings.database_url or "",
        REDIS_URL=settings.redis_url or "",
        CHOTDON_ARQ_QUEUE=settings.arq_queue,
    )
    worker = subprocess.Popen(
        chotdon("worker"), env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(600):
            if await pending(db) < len(events):
                break
            await asyncio.sleep(0.05)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    left = await pending(db)
    assert 0 < left < len(events), "the worker should have been killed in the middle of the work"
    await assert_consistent(db)  # the killed batch rolled back whole

    await asyncio.sleep(0.1)
    await sweep(pool, arq_pool, stale_after_s=0)
    await run_worker_until_settled(settings, db)
    await assert_consistent(db)
    open_per_buyer = await db.fetchval(
        "SELECT max(n) FROM (SELECT count(*) AS n FROM orders "
        "WHERE status IN ('draft', 'awaiting_confirmation', 'confirmed') "
        "GROUP BY buyer_identity_id) t"
    )
    assert open_per_buyer == 1
