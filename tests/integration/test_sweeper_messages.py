"""A buyer message whose send job was lost with Redis is sent anyway: the sweeper enqueues it
again, once, and leaves messages already sent or still fresh alone."""

from __future__ import annotations

import asyncpg
import redis.asyncio as aioredis
from arq.connections import ArqRedis

from aggregator.runtime import jobs
from aggregator.settings import Settings
from tests.support.factories import seed_shop
from workers.settings import build_worker
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


async def test_lost_send_jobs_are_enqueued_again_once(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, clean_redis: aioredis.Redis
) -> None:
    shop = await seed_shop(db)
    channel = (shop.tenant_id, shop.channel_id)
    lost_fb = await _message(db, channel, "facebook.message", "pending", 600)
    lost_zalo = await _message(db, channel, "zalo.cs_message", "pending", 600)
    await _message(db, channel, "facebook.message", "sent", 600)
    await _message(db, channel, "facebook.private_reply", "pending", 1)  # its job is still fresh
    await clean_redis.flushdb()  # the send jobs are gone

    assert await requeue_stale_messages(pool, arq_pool) == 2
    queued = {
        job.job_id for job in await arq_pool.queued_jobs(queue_name=arq_pool.default_queue_name)
    }
    assert queued == {f"facebook-send:{lost_fb}", f"platform-send:{lost_zalo}"}
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
    worker = build_worker(settings, burst=True, poll_delay=0.02, handle_signals=False, cron_jobs=[])
    try:
        await worker.main()
    finally:
        await worker.close()
    assert worker.jobs_failed == 1
    assert await requeue_stale_messages(pool, arq_pool) == 1
