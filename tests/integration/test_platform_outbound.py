"""TikTok CS and Zalo OA messages: one row per idempotency key, sent once even when retried."""

from __future__ import annotations

import asyncpg
from aiohttp.test_utils import TestServer
from arq.connections import ArqRedis

from aggregator.channels.directory import load_channel
from aggregator.outbound.record import queue_channel_message as queue_message
from aggregator.platforms.tiktok.outbound import TIKTOK_MESSAGE
from aggregator.platforms.zalo.zns import ZALO_MESSAGE
from aggregator.runtime import jobs
from aggregator.settings import Settings
from connectors.simulators.zalo import ZaloState, create_app
from schema.enums import Platform
from tests.support.factories import seed_shop
from tests.support.platforms import ZALO_APP_ID, ZALO_OA_SECRET, add_channel, platform_settings
from tests.support.tiktok import job_ctx, tiktok_rig
from workers.context import PG_POOL, SETTINGS
from workers.platform_jobs import platform_send_job


async def test_a_zalo_message_is_sent_once_even_when_queued_and_run_twice(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    state = ZaloState(ZALO_APP_ID, ZALO_OA_SECRET)
    server = TestServer(create_app(state))
    await server.start_server()
    try:
        configured = platform_settings(settings, zalo_openapi_url=str(server.make_url("")))
        shop = await seed_shop(db)
        channel_id, oa_id = await add_channel(
            db, configured, shop.tenant_id, Platform.ZALO, {"access_token": "zalo-token"}
        )
        state.tokens["zalo-token"] = oa_id
        channel = await load_channel(pool, channel_id, Platform.ZALO)
        ids = {
            await queue_message(pool, arq_pool, channel, ZALO_MESSAGE, "order-1:confirm",
                                "Đơn CD0000001 đã xác nhận", {"user_id": "zuser1"})
            for _ in range(2)
        }  # fmt: skip
        assert len(ids) == 1
        assert [j.function for j in await arq_pool.queued_jobs()] == [jobs.PLATFORM_SEND]
        ctx = {SETTINGS: configured, PG_POOL: pool, "job_try": 1}
        message_id = ids.pop()
        assert await platform_send_job(ctx, message_id) == "sent"
        # arq retries the job (a lost ack, a redelivery): the row says sent, nothing goes out
        assert await platform_send_job({**ctx, "job_try": 2}, message_id) == "already_sent"
        state.tokens.clear()  # the token is revoked: the next message fails, the OA disconnects
        other = await queue_message(
            pool, arq_pool, channel, ZALO_MESSAGE, "order-2", "Xin chào", {"user_id": "zuser1"}
        )
        assert await platform_send_job(ctx, other) == "failed"
    finally:
        await server.close()
    assert [m["text"] for m in state.sent] == ["Đơn CD0000001 đã xác nhận"]
    rows = await db.fetch("SELECT status, attempts FROM outbound_messages ORDER BY id")
    assert [(r["status"], r["attempts"]) for r in rows] == [("sent", 1), ("failed", 1)]
    assert await db.fetchval("SELECT status FROM channels WHERE id = $1", channel_id) == (
        "disconnected"
    )


async def test_a_tiktok_customer_service_message_goes_to_the_buyers_conversation(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    async with tiktok_rig(settings, db) as rig:
        channel = await load_channel(pool, rig.channel_id, Platform.TIKTOK)
        target = {"conversation_id": "conv-1", "shop_cipher": rig.shop.cipher}
        message_id = await queue_message(
            pool, arq_pool, channel, TIKTOK_MESSAGE, "5760001:confirm", "Cảm ơn bạn!", target
        )
        ctx = job_ctx(rig, pool, arq_pool)
        assert await platform_send_job(ctx, message_id) == "sent"
        assert await platform_send_job(ctx, message_id) == "already_sent"
    assert [(m["conversation_id"], m["type"]) for m in rig.state.sent] == [("conv-1", "TEXT")]
