"""ZNS: order updates by phone number when the buyer has not messaged the OA, sent once."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
from aiohttp.test_utils import TestServer
from arq.connections import ArqRedis
from structlog.testing import capture_logs

from aggregator.channels.directory import ChannelRef, load_channel
from aggregator.platforms.zalo.zns import (
    ZNS_TEMPLATE_SETTING,
    ZaloRecipient,
    ZaloRoute,
    queue_zalo_order_update,
    zalo_route,
    zns_phone,
)
from aggregator.settings import Settings
from connectors.simulators.zalo import ZaloState, create_app
from schema.enums import Platform
from tests.support.factories import seed_shop
from tests.support.platforms import ZALO_APP_ID, ZALO_OA_SECRET, add_channel, platform_settings
from workers.context import PG_POOL, SETTINGS
from workers.platform_jobs import platform_send_job

DATA = {"order_code": "CD0000007", "status": "Đang giao", "customer_name": "Lan"}
NOW = 1_800_000_000.0


@dataclass(frozen=True)
class ZnsRig:
    state: ZaloState
    settings: Settings
    channel: ChannelRef


@contextlib.asynccontextmanager
async def zns_rig(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, template: str | None
) -> AsyncIterator[ZnsRig]:
    state = ZaloState(ZALO_APP_ID, ZALO_OA_SECRET)
    server = TestServer(create_app(state))
    await server.start_server()
    try:
        url = str(server.make_url(""))
        configured = platform_settings(settings, zalo_openapi_url=url, zalo_zns_url=url)
        shop = await seed_shop(db)
        extra = {ZNS_TEMPLATE_SETTING: template} if template else {}
        channel_id, oa_id = await add_channel(
            db, configured, shop.tenant_id, Platform.ZALO, {"access_token": "zalo-token"},
            channel_settings=extra,
        )  # fmt: skip
        state.tokens["zalo-token"] = oa_id
        yield ZnsRig(state, configured, await load_channel(pool, channel_id, Platform.ZALO))
    finally:
        await server.close()


def test_the_route_prefers_the_oa_inside_the_window_and_zns_otherwise() -> None:
    follower = ZaloRecipient("zuser1", NOW - 3600, "0912 345 678")
    assert zalo_route(follower, "tpl", NOW) is ZaloRoute.OA_MESSAGE
    stale = ZaloRecipient("zuser1", NOW - 8 * 86_400, "0912 345 678")
    assert zalo_route(stale, "tpl", NOW) is ZaloRoute.ZNS
    stranger = ZaloRecipient(None, None, "+84 912.345.678")
    assert zalo_route(stranger, "tpl", NOW) is ZaloRoute.ZNS
    assert zalo_route(stranger, "", NOW) is ZaloRoute.NONE  # no template configured
    assert zalo_route(ZaloRecipient(None, None, "0281234567"), "tpl", NOW) is ZaloRoute.NONE
    assert zns_phone("+84 912.345.678") == zns_phone("0912345678") == "84912345678"


async def test_a_zns_update_is_sent_once_to_the_phone_with_the_oas_template(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    stranger = ZaloRecipient(None, None, "0912.345.678")
    async with zns_rig(settings, db, pool, "zns-order-update") as rig:
        queued = {
            await queue_zalo_order_update(
                pool, arq_pool, rig.channel, None, "order-7:shipped", stranger,
                "Đơn CD0000007 đang giao", DATA, time.time(),
            )
            for _ in range(2)
        }  # fmt: skip
        assert len(queued) == 1
        route, message_id = queued.pop()
        assert route is ZaloRoute.ZNS and message_id is not None
        ctx = {SETTINGS: rig.settings, PG_POOL: pool, "job_try": 1}
        with capture_logs() as logs:
            assert await platform_send_job(ctx, message_id) == "sent"
            # the job runs again (a lost ack): the row says sent, no second ZNS
            assert await platform_send_job({**ctx, "job_try": 2}, message_id) == "already_sent"
    assert rig.state.zns == [
        {
            "oa_id": rig.channel.external_id, "msg_id": rig.state.zns[0]["msg_id"],
            "phone": "84912345678", "template_id": "zns-order-update", "template_data": DATA,
            "tracking_id": f"chotdon-{message_id}",
        }
    ]  # fmt: skip
    assert rig.state.sent == []  # nothing through the OA chat
    assert "912345678" not in repr(logs)
    row = await db.fetchrow("SELECT kind, status, external_message_id FROM outbound_messages")
    assert row is not None
    assert (row["kind"], row["status"]) == ("zalo.zns", "sent")
    assert row["external_message_id"] == rig.state.zns[0]["msg_id"]


async def test_a_follower_gets_an_oa_message_and_no_template_means_nothing_is_queued(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    follower = ZaloRecipient("zuser1", time.time() - 60, "0912345678")
    async with zns_rig(settings, db, pool, None) as rig:
        route, message_id = await queue_zalo_order_update(
            pool, arq_pool, rig.channel, None, "order-8:shipped", follower, "Đơn đang giao", DATA,
            time.time(),
        )  # fmt: skip
        assert route is ZaloRoute.OA_MESSAGE and message_id is not None
        assert await platform_send_job({SETTINGS: rig.settings, PG_POOL: pool}, message_id) == (
            "sent"
        )
        stranger = ZaloRecipient(None, None, "0912345678")
        assert await queue_zalo_order_update(
            pool, arq_pool, rig.channel, None, "order-9:shipped", stranger, "x", DATA, time.time()
        ) == (ZaloRoute.NONE, None)
    assert [m["text"] for m in rig.state.sent] == ["Đơn đang giao"]
    assert rig.state.zns == []
    assert await db.fetchval("SELECT count(*) FROM outbound_messages") == 1


async def test_a_template_zalo_refuses_fails_the_message_without_retrying(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    stranger = ZaloRecipient(None, None, "0912345678")
    async with zns_rig(settings, db, pool, "not-approved") as rig:
        _, message_id = await queue_zalo_order_update(
            pool, arq_pool, rig.channel, None, "order-10", stranger, "x", DATA, time.time()
        )
        assert message_id is not None
        ctx = {SETTINGS: rig.settings, PG_POOL: pool, "job_try": 1}
        assert await platform_send_job(ctx, message_id) == "failed"
    row = await db.fetchrow("SELECT status, last_error FROM outbound_messages")
    assert row is not None and row["status"] == "failed"
    assert "Template is invalid" in row["last_error"]
    assert await db.fetchval("SELECT status FROM channels WHERE id = $1", rig.channel.id) == (
        "active"
    )
