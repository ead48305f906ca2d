"""A buyer message whose send job was lost with Redis is sent anyway: the sweeper enqueues it
again, once, and leaves messages already sent or still fresh alone."""

from __future__ import annotations

import asyncpg
import redis.asyncio as aioredis
from arq.connections import ArqRedis
from arq.constants import job_key_prefix
from arq.jobs import Job, JobStatus
from arq.worker import Worker

from aggregator.runtime import jobs
from aggregator.runtime.queue import queue_names
from aggregator.settings import Settings
from tests.support.factories import seed_shop
from workers.settings import AT_MOST_ONCE, IN_PROGRESS_S, build_worker
from workers.sweeper import requeue_stale_messages


async def _message(db: asyncpg.Connection, channel: tuple[int, int], kind: str, status: str,
                   age_s: int) -> int:  # fmt: skip
    tenant_id, channel_id = channel
    return int(
        await db.fetchval(
            "INSERT INTO outbound_messages (tenant_id, channel_id, kind, idempotency_key, body, "
            "status, created_at) VALUES ($1, $2, $3, gen_random_uuid()::text, 'Đơn của bạn', $4, "
            "now() - make_interval(secs => $5)) RETURNING id",
            tenant_id,
            channel_id,
            kind,
            status,
            age_s,
        )
    )


async def _outbound_worker_until_idle(settings: Settings) -> Worker:
    """One outbound worker in burst mode: it runs what is queued, then stops."""
    worker = build_worker(
        settings, jobs.OUTBOUND, burst=True, poll_delay=0.02, handle_signals=False, cron_jobs=[]
    )
    try:
        await worker.main()
    finally:
        await worker.close()
    return worker


async def test_lost_send_jobs_are_enqueued_again_once(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, clean_redis: aioredis.Redis,
    settings: Settings,
) -> None:  # fmt: skip
    shop = await seed_shop(db)
    channel = (shop.tenant_id, shop.channel_id)
    lost_fb = await _message(db, channel, "facebook.message", "pending", 600)
    lost_zalo = await _message(db, channel, "zalo.cs_message", "pending", 600)
    await _message(db, channel, "facebook.message", "sent", 600)
    await _message(db, channel, "facebook.private_reply", "pending", 1)  # its job is still fresh
    await clean_redis.flushdb()  # the send jobs are gone

    assert await requeue_stale_messages(pool, arq_pool) == 2
    names = queue_names(settings)  # sends go on the outbound queue, never among the merges
    queued = {job.job_id for job in await arq_pool.queued_jobs(queue_name=names.outbound)}
    assert queued == {f"facebook-send:{lost_fb}", f"platform-send:{lost_zalo}"}
    assert await arq_pool.queued_jobs(queue_name=names.orders) == []
    assert await requeue_stale_messages(pool, arq_pool) == 0  # the jobs exist: nothing twice


async def test_a_send_job_that_failed_on_an_error_does_not_block_the_sweeper(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, settings: Settings
) -> None:
    """A send job that ends on an exception (here a bad argument; in a chaos run a connection cut
    by a Postgres restart) must not keep its job id: the sweeper re-enqueues the still-pending
    message under that same id, and arq refuses an id whose result it keeps."""
    shop = await seed_shop(db)
    lost = await _message(db, (shop.tenant_id, shop.channel_id), "facebook.message", "pending", 600)
    await arq_pool.enqueue_job(jobs.FACEBOOK_SEND, "not an id", _job_id=f"facebook-send:{lost}")
    worker = await _outbound_worker_until_idle(settings)
    assert worker.jobs_failed == 1
    assert await requeue_stale_messages(pool, arq_pool) == 1


async def test_a_send_job_left_by_a_killed_worker_is_free_again_within_minutes(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, settings: Settings,
    clean_redis: aioredis.Redis,
) -> None:  # fmt: skip
    """A worker killed -9 in the middle of a send leaves arq's "in progress" mark behind, and no
    worker starts the job again while it lives. The mark must live minutes (as long as a send may
    run), not the hour of the longest cron job, or the buyer's message waits that hour."""
    shop = await seed_shop(db)
    lost = await _message(db, (shop.tenant_id, shop.channel_id), "facebook.message", "pending", 600)
    job_id = f"facebook-send:{lost}"
    await arq_pool.enqueue_job(jobs.FACEBOOK_SEND, lost, _job_id=job_id)
    worker = build_worker(
        settings, jobs.OUTBOUND, poll_delay=0.02, handle_signals=False, cron_jobs=[]
    )
    worker._pool = arq_pool  # start one job by hand, as main() would
    try:
        await worker.start_jobs([job_id.encode()])  # what a worker does before it is killed
        mark_ms = await clean_redis.pttl(f"arq:in-progress:{job_id}")
    finally:
        for task in worker.tasks.values():  # the "kill": the job never finishes
            task.cancel()
        worker._pool = None  # the fixture closes its own pool
    longest_send_s = max(
        f.timeout_s or 0 for f in worker.functions.values() if f.name in AT_MOST_ONCE
    )
    assert longest_send_s * 1000 < mark_ms <= IN_PROGRESS_S * 1000
    assert IN_PROGRESS_S <= 180


async def test_a_send_job_arq_found_expired_does_not_block_the_sweeper(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, settings: Settings
) -> None:
    """Redis flushed between a worker's poll of the queue and its read of the job (the chaos run
    caught it: `job facebook-send:215 expired`): arq records the job as failed and keeps that
    record for the worker's keep_result, an hour, whatever the send job's keep_result=0. The
    message was never tried; the sweeper clears the record and makes the job again, once."""
    shop = await seed_shop(db)
    lost = await _message(db, (shop.tenant_id, shop.channel_id), "facebook.message", "pending", 600)
    job_id = f"facebook-send:{lost}"
    await arq_pool.enqueue_job(jobs.FACEBOOK_SEND, lost, _job_id=job_id)
    await arq_pool.delete(job_key_prefix + job_id)  # the payload gone, its queue entry left
    worker = await _outbound_worker_until_idle(settings)
    assert worker.jobs_failed == 1
    assert await Job(job_id, arq_pool).status() is JobStatus.complete  # arq's kept record
    assert await requeue_stale_messages(pool, arq_pool) == 1
    outbound = queue_names(settings).outbound
    assert await Job(job_id, arq_pool, _queue_name=outbound).status() is JobStatus.queued
    assert await requeue_stale_messages(pool, arq_pool) == 0  # that job sends it: nothing twice
