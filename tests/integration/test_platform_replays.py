"""Dead letters of Zalo, TikTok and the relay: a signed body chotdon cannot read is kept and
answered 2xx; once it can be read (simulated by putting a readable body in its place, as an upgrade
of the parser would make it), `chotdon deliveries replay`'s replayers process it once, and a second
replay changes nothing."""

from __future__ import annotations

import time
from typing import Any

import asyncpg
import orjson
from aiohttp.test_utils import TestClient
from arq.connections import ArqRedis

from aggregator.cli.replayers import replayers_for
from aggregator.inbox.replay import ReplayReport, replay_unreadable
from aggregator.runtime import jobs
from aggregator.settings import Settings
from aggregator.web.keys import INGESTOR
from connectors.relay.signature import signed_headers
from connectors.simulators.tiktok import webhook_headers as tiktok_headers
from connectors.zalo.signature import SIGNATURE_HEADER, sign
from schema.enums import Platform
from tests.support.facebook import app_client
from tests.support.factories import seed_shop
from tests.support.platforms import (
    RELAY_SECRET,
    ZALO_OA_SECRET,
    add_channel,
    add_live,
    platform_settings,
)
from tests.support.tiktok import tiktok_rig
from tests.support.wire import wire_body

ZALO_APP, OA, SHOP = "360846524940903967", "388613280878808645", "7494049642642441621"


async def replay(settings: Settings, pool: asyncpg.Pool, source: str) -> ReplayReport:
    async with replayers_for(settings, pool) as replayers:
        return await replay_unreadable(pool, replayers, source)


async def post(client: TestClient[Any, Any], url: str, body: bytes, headers: Any) -> int:
    async with client.post(url, data=body, headers=headers) as response:
        await response.read()
        return response.status


async def upgrade(db: asyncpg.Connection, source: str, readable: bytes) -> int:
    """The dead letter of `source`, given a body the parser reads (as after an upgrade)."""
    row = await db.fetchrow("SELECT id, status FROM webhook_deliveries WHERE source = $1", source)
    assert row["status"] == "unreadable"
    await db.execute("UPDATE webhook_deliveries SET body = $2 WHERE id = $1", row["id"], readable)
    delivery_id: int = row["id"]
    return delivery_id


async def row(db: asyncpg.Connection, delivery_id: int) -> tuple[Any, ...]:
    found = await db.fetchrow(
        "SELECT status, replays, tenant_id FROM webhook_deliveries WHERE id = $1", delivery_id
    )
    return tuple(found)


async def queued(arq: ArqRedis, function: str) -> list[Any]:
    return [j.args for j in await arq.queued_jobs() if j.function == function]


async def test_a_zalo_dead_letter_is_replayed_once(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    configured = platform_settings(settings, zalo_app_id=ZALO_APP)
    shop = await seed_shop(db)
    channel_id, _ = await add_channel(
        db, configured, shop.tenant_id, Platform.ZALO, {"access_token": "z"}, external_id=OA
    )
    session_id = await add_live(db, shop.tenant_id, channel_id)
    unread = orjson.dumps({"event_name": "user_send_text", "timestamp": "1"})
    headers = {SIGNATURE_HEADER: sign(ZALO_APP, unread, "1", ZALO_OA_SECRET)}
    async with app_client(configured) as client:
        assert await post(client, "/webhooks/zalo", unread, headers) == 200
    delivery_id = await upgrade(db, "zalo", wire_body("zalo", "user_send_text"))

    first = await replay(configured, pool, "zalo")
    assert (first.read, first.unreadable) == ({"zalo": 1}, {})
    assert await db.fetchval("SELECT array_agg(session_id) FROM comments") == [session_id]
    assert await row(db, delivery_id) == ("processed", 1, shop.tenant_id)
    assert len(await queued(arq_pool, jobs.BUYER_REPLY)) == 1

    second = await replay(configured, pool, "zalo")
    assert (second.read, second.unreadable) == ({}, {})
    assert await db.fetchval("SELECT count(*) FROM comments") == 1
    assert await row(db, delivery_id) == ("processed", 1, shop.tenant_id)
    assert len(await queued(arq_pool, jobs.BUYER_REPLY)) == 1


async def test_a_tiktok_dead_letter_is_replayed_once(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    async with tiktok_rig(settings, db, SHOP) as rig:
        async with app_client(rig.settings) as client:
            unread = b"[1]"
            headers = tiktok_headers(rig.state, unread)
            assert await post(client, "/webhooks/tiktok", unread, headers) == 200
        delivery_id = await upgrade(db, "tiktok", wire_body("tiktok", "order_status_change"))
        assert (await replay(rig.settings, pool, "tiktok")).read == {"tiktok": 1}
        fetches = await queued(arq_pool, jobs.TIKTOK_FETCH_ORDERS)
        assert fetches == [[rig.channel_id, ["576486316948490001"]]]
        assert (await replay(rig.settings, pool, "tiktok")).read == {}
        assert await queued(arq_pool, jobs.TIKTOK_FETCH_ORDERS) == fetches
    tenant_id = await db.fetchval("SELECT tenant_id FROM channels WHERE id = $1", rig.channel_id)
    assert await row(db, delivery_id) == ("processed", 1, tenant_id)


async def test_a_relay_dead_letter_is_replayed_once(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    configured = platform_settings(settings)
    shop = await seed_shop(db)
    channel_id, channel = await add_channel(
        db, configured, shop.tenant_id, Platform.RELAY, RELAY_SECRET
    )
    session_id = await add_live(db, shop.tenant_id, channel_id)
    async with app_client(configured) as client:
        unread = b"{not json"
        headers = signed_headers(RELAY_SECRET.encode(), int(time.time()), unread)
        assert await post(client, f"/relay/{channel}/comments", unread, headers) == 200
        await client.app[INGESTOR].drain()
    comments = [{"id": f"c{n}", "author_id": "u1", "text": "chốt A01"} for n in range(2)]
    delivery_id = await upgrade(db, "relay", orjson.dumps({"comments": comments}))

    assert (await replay(configured, pool, "relay")).read == {"relay": 1}
    assert await db.fetchval("SELECT array_agg(session_id) FROM comments") == [session_id] * 2
    assert (await replay(configured, pool, "relay")).read == {}
    assert await db.fetchval("SELECT count(*) FROM comments") == 2
    assert await row(db, delivery_id) == ("processed", 1, shop.tenant_id)
