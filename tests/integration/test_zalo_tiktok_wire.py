"""Contract tests from the published bodies (tests/fixtures/wire/zalo, tiktok): each is signed with
the platform's real scheme, posted through the real route, answered 2xx, and its effect is checked
in Postgres."""

from __future__ import annotations

from typing import Any

import asyncpg
import orjson
from aiohttp.test_utils import TestClient
from arq.connections import ArqRedis

from aggregator.dashboard.snapshot import load_dashboard
from aggregator.platforms.tiktok.webhooks import DEAUTHORIZED
from aggregator.runtime import jobs
from aggregator.runtime.queue import queue_names
from aggregator.settings import Settings
from aggregator.web.keys import INGESTOR
from connectors.simulators.tiktok import webhook_headers as tiktok_headers
from connectors.zalo.signature import SIGNATURE_HEADER, body_timestamp, sign
from schema.enums import Platform
from tests.support.facebook import app_client
from tests.support.factories import seed_shop
from tests.support.platforms import (
    ZALO_OA_SECRET,
    add_channel,
    add_live,
    delivery_counts,
    platform_settings,
)
from tests.support.tiktok import TikTokRig, job_ctx, tiktok_rig
from tests.support.wire import wire_body, wire_json
from workers.platform_jobs import tiktok_fetch_orders_job, tiktok_sync_job

Client = TestClient[Any, Any]
ZALO_APP = "360846524940903967"  # the fixtures' app_id
OA, BUYER = "388613280878808645", "246845883529197922"
SHOP, ORDER = "7494049642642441621", "576486316948490001"
IGNORED = {"follow", "unfollow", "user_send_image", "user_send_sticker", "oa_send_text"}


def zalo_signed(body: bytes) -> dict[str, str]:
    mac = sign(ZALO_APP, body, body_timestamp(body), ZALO_OA_SECRET)
    return {SIGNATURE_HEADER: mac, "Content-Type": "application/json"}


async def post(client: Client, url: str, body: bytes, headers: dict[str, str]) -> Any:
    async with client.post(url, data=body, headers=headers) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def test_every_documented_zalo_event_is_answered_200_and_only_the_text_is_a_comment(
    settings: Settings, db: asyncpg.Connection, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db)
    channel_id, _ = await add_channel(
        db, settings, shop.tenant_id, Platform.ZALO, {"access_token": "z"}, external_id=OA
    )
    session_id = await add_live(db, shop.tenant_id, channel_id)
    unknown = orjson.dumps(wire_json("zalo", "follow") | {"event_name": "user_did_a_new_thing"})
    bodies = [wire_body("zalo", name) for name in ("user_send_text", *sorted(IGNORED))]
    async with app_client(platform_settings(settings, zalo_app_id=ZALO_APP)) as client:
        for body in [*bodies, unknown]:
            assert await post(client, "/webhooks/zalo", body, zalo_signed(body)) == {
                "error": 0, "message": "Success",
            }  # fmt: skip
        await client.app[INGESTOR].drain()
    rows = await db.fetch("SELECT session_id, author_external_id, body, external_id FROM comments")
    assert [tuple(r) for r in rows] == [(session_id, BUYER, "message", "96d3cdf3af150460909")]
    notes = {
        orjson.loads(r["body"])["event_name"]: (r["status"], r["error"], r["tenant_id"])
        for r in await db.fetch("SELECT * FROM webhook_deliveries WHERE source = 'zalo'")
    }
    assert notes.pop("user_send_text") == ("processed", None, shop.tenant_id)
    assert notes == {
        name: ("processed", f"ignored: {name}", shop.tenant_id)
        for name in (*IGNORED, "user_did_a_new_thing")
    }
    replies = [j.args for j in await arq_pool.queued_jobs() if j.function == jobs.BUYER_REPLY]
    assert replies == [["zalo", OA, BUYER, "message"]]  # the OA's own echo is not a buyer


async def fetch_queued(rig: TikTokRig, pool: asyncpg.Pool, arq: ArqRedis) -> list[Any]:
    queued = [j.args for j in await arq.queued_jobs() if j.function == jobs.TIKTOK_FETCH_ORDERS]
    for args in queued:
        await tiktok_fetch_orders_job(job_ctx(rig, pool, arq), *args)
    queues = queue_names(rig.settings).both
    await arq.delete(*queues, *[k async for k in arq.scan_iter("arq:job:*")])
    return queued


async def test_tiktok_order_notifications_read_the_order_into_postgres(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    async with tiktok_rig(settings, db, SHOP) as rig, app_client(rig.settings) as client:
        rig.state.put_order(SHOP, ORDER, "UNPAID")
        status = wire_body("tiktok", "order_status_change")
        assert await post(client, "/webhooks/tiktok", status, tiktok_headers(rig.state, status))
        assert await fetch_queued(rig, pool, arq_pool) == [[rig.channel_id, [ORDER]]]
        assert await db.fetchval("SELECT external_status FROM platform_orders") == "UNPAID"

        rig.state.put_order(SHOP, ORDER, "CANCELLED")
        cancel = wire_body("tiktok", "cancellation_status_change")
        assert await post(client, "/webhooks/tiktok", cancel, tiktok_headers(rig.state, cancel))
        address = wire_body("tiktok", "recipient_address_update")  # no tts_notification_id
        for _ in range(2):  # TikTok's retry of it is a duplicate all the same
            assert await post(
                client, "/webhooks/tiktok", address, tiktok_headers(rig.state, address)
            )
        # both name the order at the same update time: one read of it
        assert await fetch_queued(rig, pool, arq_pool) == [[rig.channel_id, [ORDER]]]
    row = await db.fetchrow("SELECT external_order_id, external_status FROM platform_orders")
    assert tuple(row) == (ORDER, "CANCELLED")
    assert await delivery_counts(db, "tiktok") == {"processed": 3, "duplicate": 1}


async def test_a_seller_deauthorization_disconnects_the_shop_and_the_director_sees_it(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    async with tiktok_rig(settings, db, SHOP) as rig, app_client(rig.settings) as client:
        gone = wire_body("tiktok", "seller_deauthorization")
        assert await post(client, "/webhooks/tiktok", gone, tiktok_headers(rig.state, gone))
        # afterwards: an order notification is recorded, nothing is read or polled any more
        late = wire_body("tiktok", "order_status_change")
        assert await post(client, "/webhooks/tiktok", late, tiktok_headers(rig.state, late))
        unknown = {"type": 97, "tts_notification_id": "7327112393057371999"}  # no such type yet
        expiring = orjson.dumps(wire_json("tiktok", "seller_deauthorization") | unknown)
        assert await post(client, "/webhooks/tiktok", expiring, tiktok_headers(rig.state, expiring))
        assert await fetch_queued(rig, pool, arq_pool) == []
        assert await tiktok_sync_job(job_ctx(rig, pool, arq_pool)) == 0
    channel = await db.fetchrow("SELECT * FROM channels WHERE id = $1", rig.channel_id)
    assert (channel["status"], channel["credentials_encrypted"]) == ("disconnected", None)
    assert channel["status_reason"] == DEAUTHORIZED
    tenant_id = channel["tenant_id"]
    alerts = [a.text for a in (await load_dashboard(db, tenant_id)).alerts]
    assert alerts == [f"TikTok «{channel['name']}» đã mất kết nối: {DEAUTHORIZED}"]
    errors = await db.fetch(
        "SELECT error FROM webhook_deliveries WHERE source = 'tiktok' ORDER BY id"
    )
    assert [r["error"] for r in errors] == [
        "seller deauthorization: shop disconnected",
        "ignored: type 1, the shop is not connected",
        "ignored: type 97, the shop is not connected",
    ]
