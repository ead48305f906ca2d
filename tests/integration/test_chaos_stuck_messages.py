"""When a chaos run ends with a buyer message still pending, its figures say what arq holds of
that message's send job (lost, waiting, deferred, in progress), so a rare failure in CI can be
read from its output alone."""

from __future__ import annotations

import asyncpg
import redis.asyncio as aioredis
from arq.connections import ArqRedis

from aggregator.runtime import jobs
from aggregator.tools.chaos.checks import stuck_messages
from tests.support.factories import seed_shop


async def _pending(db: asyncpg.Connection, tenant_id: int, channel_id: int, kind: str) -> int:
    return int(
        await db.fetchval(
            "INSERT INTO outbound_messages (tenant_id, channel_id, kind, idempotency_key, body, "
            "attempts, last_error) VALUES ($1, $2, $3, gen_random_uuid()::text, 'Đơn của bạn', "
            "3, 'timeout') RETURNING id",
            tenant_id,
            channel_id,
            kind,
        )
    )


async def test_each_pending_message_is_reported_with_its_send_jobs_state(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, clean_redis: aioredis.Redis
) -> None:
    shop = await seed_shop(db)
    lost = await _pending(db, shop.tenant_id, shop.channel_id, "facebook.message")
    deferred = await _pending(db, shop.tenant_id, shop.channel_id, "zalo.cs_message")
    await db.execute("UPDATE outbound_messages SET status = 'sent' WHERE id <> ALL($1)",
                     [lost, deferred])  # fmt: skip
    await arq_pool.enqueue_job(
        jobs.PLATFORM_SEND, deferred, _job_id=f"platform-send:{deferred}", _defer_by=300
    )

    found = {m["id"]: m for m in await stuck_messages(pool, arq_pool)}

    assert set(found) == {lost, deferred}
    assert found[lost]["send_job"] == "not_found"
    assert found[deferred]["send_job"] == "deferred"
    assert found[lost]["kind"] == "facebook.message"
    assert (found[lost]["attempts"], found[lost]["last_error"]) == (3, "timeout")
