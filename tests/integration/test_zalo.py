"""Zalo OA webhooks: X-ZEvent-Signature, dedupe on msg_id, texts land in the live on air."""

from __future__ import annotations

from typing import Any

import asyncpg
import orjson
from aiohttp.test_utils import TestClient
from arq.connections import ArqRedis

from aggregator.runtime import jobs
from aggregator.settings import Settings
from aggregator.web.keys import INGESTOR
from connectors.simulators.zalo import ZaloState, user_text, webhook_headers
from schema.enums import Platform
from tests.support.facebook import app_client
from tests.support.factories import seed_shop
from tests.support.platforms import (
    ZALO_APP_ID,
    ZALO_OA_SECRET,
    add_channel,
    add_live,
    delivery_counts,
    platform_settings,
)

URL = "/webhooks/zalo"
STATE = ZaloState(ZALO_APP_ID, ZALO_OA_SECRET)


async def post(client: TestClient[Any, Any], body: bytes, headers: dict[str, str]) -> int:
    async with client.post(URL, data=body, headers=headers) as response:
        assert response.status != 200 or (await response.json())["error"] == 0
        return response.status


async def seed_oa(db: asyncpg.Connection, settings: Settings) -> tuple[str, int]:
    shop = await seed_shop(db)
    channel_id, oa_id = await add_channel(
        db, settings, shop.tenant_id, Platform.ZALO, {"access_token": "zalo-token"}
    )
    return oa_id, await add_live(db, shop.tenant_id, channel_id)


async def test_a_buyer_message_lands_once_in_the_live_on_air(
    settings: Settings, db: asyncpg.Connection
) -> None:
    oa_id, session_id = await seed_oa(db, settings)
    body = user_text(STATE, oa_id, "zuser1", "chốt A01 x2 sđt 0912345678", msg_id="m-1")
    async with app_client(platform_settings(settings)) as client:
        for _ in range(2):
            assert await post(client, body, webhook_headers(STATE, body)) == 200
        again = user_text(STATE, oa_id, "zuser1", "chốt A01 x2 sđt 0912345678", msg_id="m-1")
        assert await post(client, again, webhook_headers(STATE, again)) == 200
        await client.app[INGESTOR].drain()
    row = await db.fetchrow("SELECT session_id, intent, author_external_id, phone FROM comments")
    assert dict(row) == {
        "session_id": session_id, "intent": "order", "author_external_id": "zuser1",
        "phone": "0912345678",
    }  # fmt: skip
    assert await db.fetchval("SELECT count(*) FROM comments") == 1
    assert await delivery_counts(db, "zalo") == {"processed": 1, "duplicate": 2}


async def test_bad_signatures_are_refused_and_only_a_rejection_is_recorded(
    settings: Settings, db: asyncpg.Connection
) -> None:
    oa_id, _ = await seed_oa(db, settings)
    body = user_text(STATE, oa_id, "zuser1", "chốt A01")
    wrong = ZaloState(ZALO_APP_ID, "another-secret")
    tampered = body.replace(b"A01", b"A02")
    async with app_client(platform_settings(settings)) as client:
        assert await post(client, body, webhook_headers(wrong, body)) == 403
        assert await post(client, body, {"Content-Type": "application/json"}) == 401
        assert await post(client, tampered, webhook_headers(STATE, body)) == 403
        assert await post(client, b"not json", {"X-ZEvent-Signature": "mac=00"}) == 403
        await client.app[INGESTOR].drain()
    assert await db.fetchval("SELECT count(*) FROM comments") == 0
    assert await delivery_counts(db, "zalo") == {"rejected": 4}


async def test_other_events_and_unknown_oas_are_recorded_and_nothing_is_lost(
    settings: Settings, db: asyncpg.Connection
) -> None:
    follow = orjson.dumps(
        {"app_id": ZALO_APP_ID, "event_name": "follow", "timestamp": "1700000000000",
         "sender": {"id": "zuser2"}, "recipient": {"id": "oa-x"}}
    )  # fmt: skip
    stray = user_text(STATE, "unknown-oa", "zuser3", "chốt A01")
    async with app_client(platform_settings(settings)) as client:
        assert await post(client, follow, webhook_headers(STATE, follow)) == 200
        assert await post(client, stray, webhook_headers(STATE, stray)) == 200
        # Signed, but a buyer's text with no sender, OA or message: a dead letter answered 200
        # (a 400 made Zalo retry for hours and then disable the OA's webhook).
        malformed = orjson.dumps({"timestamp": "1", "event_name": "user_send_text"})
        assert await post(client, malformed, webhook_headers(STATE, malformed)) == 200
        await client.app[INGESTOR].drain()
    assert await db.fetchval("SELECT status FROM comments") == "orphaned"
    assert await delivery_counts(db, "zalo") == {"processed": 2, "unreadable": 1}


async def test_a_buyer_text_also_reaches_the_reply_job_once(
    settings: Settings, db: asyncpg.Connection, arq_pool: ArqRedis
) -> None:
    oa_id, _ = await seed_oa(db, settings)
    body = user_text(STATE, oa_id, "zuser2", "ok shop, xác nhận nhé", msg_id="m-7")
    async with app_client(platform_settings(settings)) as client:
        for _ in range(2):  # Zalo retries: the reply is handed over once
            assert await post(client, body, webhook_headers(STATE, body)) == 200
        await client.app[INGESTOR].drain()
    replies = [j for j in await arq_pool.queued_jobs() if j.function == jobs.BUYER_REPLY]
    assert [list(j.args) for j in replies] == [["zalo", oa_id, "zuser2", "ok shop, xác nhận nhé"]]
