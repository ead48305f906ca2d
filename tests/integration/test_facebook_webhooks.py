"""Facebook Page webhooks: handshake, signatures on the raw body, recording, dedupe, bad input."""

from __future__ import annotations

import time
from typing import Any

import asyncpg
import orjson
from aiohttp.test_utils import TestClient

from aggregator.settings import Settings
from aggregator.web.keys import INGESTOR
from tests.support.facebook import (
    app_client,
    comment_change,
    envelope,
    facebook_settings,
    signed_headers,
)
from tests.support.factories import Shop, seed_shop

URL = "/webhooks/facebook"


async def counts(db: asyncpg.Connection) -> dict[str, int]:
    rows = await db.fetch("SELECT status, count(*) AS n FROM webhook_deliveries GROUP BY status")
    found = {r["status"]: r["n"] for r in rows}
    found["comments"] = await db.fetchval("SELECT count(*) FROM comments")
    found["sessions"] = await db.fetchval("SELECT count(*) FROM live_sessions")
    return found


async def post(client: TestClient[Any, Any], body: bytes, headers: dict[str, str]) -> int:
    async with client.post(URL, data=body, headers=headers) as response:
        await response.read()
        return response.status


async def drained(client: TestClient[Any, Any]) -> None:
    await client.app[INGESTOR].drain()


def live_comment(shop: Shop, cid: str, text: str = "chốt A01", author: str = "u1") -> bytes:
    return envelope(
        shop.page_id, [comment_change(cid, f"{shop.page_id}_{shop.live_id}", text, author=author)]
    )


async def test_handshake_echoes_the_challenge_only_for_the_right_token(settings: Settings) -> None:
    async with app_client(facebook_settings(settings)) as client:
        ok = {"hub.mode": "subscribe", "hub.verify_token": "verify-token-for-tests",
              "hub.challenge": "1158201444"}  # fmt: skip
        async with client.get(URL, params=ok) as response:
            assert response.status == 200
            assert await response.text() == "1158201444"
        for bad in ({**ok, "hub.verify_token": "nope"}, {**ok, "hub.mode": "unsubscribe"}, {}):
            async with client.get(URL, params=bad) as response:
                assert response.status == 403


async def test_handshake_fails_closed_without_a_configured_token(settings: Settings) -> None:
    async with app_client(settings) as client:
        params = {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
        async with client.get(URL, params=params) as response:
            assert response.status == 403


async def test_signed_comment_is_stored_once_on_its_live(
    settings: Settings, db: asyncpg.Connection
) -> None:
    shop = await seed_shop(db)
    body = live_comment(shop, f"{shop.live_id}_1")
    async with app_client(facebook_settings(settings)) as client:
        assert await post(client, body, signed_headers(body)) == 200
        await drained(client)
    row = await db.fetchrow("SELECT session_id, intent, author_external_id FROM comments")
    assert (row["session_id"], row["intent"], row["author_external_id"]) == (
        shop.session_id, "order", "u1",
    )  # fmt: skip
    delivery = await db.fetchrow("SELECT * FROM webhook_deliveries")
    assert delivery["verified"] and delivery["status"] == "processed"
    assert delivery["tenant_id"] == shop.tenant_id and bytes(delivery["body"]) == body


async def test_wrong_or_missing_signature_stores_only_the_rejected_delivery(
    settings: Settings, db: asyncpg.Connection
) -> None:
    shop = await seed_shop(db)
    body = live_comment(shop, f"{shop.live_id}_1")
    async with app_client(facebook_settings(settings)) as client:
        assert await post(client, body, signed_headers(body, "another-secret")) == 403
        assert await post(client, body, {"Content-Type": "application/json"}) == 401
        tampered = body.replace(b"A01", b"A02")
        assert await post(client, tampered, signed_headers(body)) == 403
        await drained(client)
    assert await counts(db) == {"rejected": 3, "comments": 0, "sessions": 1}
    rows = await db.fetch("SELECT verified, verification_error, headers FROM webhook_deliveries")
    assert all(not r["verified"] and r["verification_error"] for r in rows)
    for row in rows:  # no signature, cookie or token is ever stored
        assert set(row["headers"]) <= {"content-type", "content-length", "user-agent"}


async def test_replayed_and_rebatched_deliveries_store_nothing_new(
    settings: Settings, db: asyncpg.Connection
) -> None:
    shop = await seed_shop(db)
    post_id = f"{shop.page_id}_{shop.live_id}"
    changes = [comment_change(f"{shop.live_id}_{i}", post_id, "chốt N01", author=f"u{i}")
               for i in range(50)]  # fmt: skip
    body = envelope(shop.page_id, changes, at_ms=1_750_000_000_000)
    async with app_client(facebook_settings(settings)) as client:
        for _ in range(3):
            assert await post(client, body, signed_headers(body)) == 200
        spaced = orjson.dumps(orjson.loads(body), option=orjson.OPT_INDENT_2)  # same delivery
        assert await post(client, spaced, signed_headers(spaced)) == 200
        await drained(client)
    assert await counts(db) == {"processed": 1, "duplicate": 3, "comments": 50, "sessions": 1}


async def test_verified_bodies_are_never_refused_for_their_shape(
    settings: Settings, db: asyncpg.Connection
) -> None:
    """Behaviour changed on purpose (issue #18): a verified delivery used to get a 400 for an
    unknown key or object, so Facebook retried it for 36 hours and the buyer's comment was lost.
    Now only an unknown Page (404) and an oversized body (413) are refused."""
    shop = await seed_shop(db)
    good = orjson.loads(live_comment(shop, f"{shop.live_id}_1"))
    extra_field = orjson.dumps({**good, "surprise": 1})
    unknown_page = live_comment(shop, "x_1").replace(shop.page_id.encode(), b"999999")
    instagram = orjson.dumps({"object": "instagram", "entry": good["entry"]})
    cases = {b"{not json": 200, b"[]": 200, extra_field: 200, unknown_page: 404, instagram: 200}
    async with app_client(facebook_settings(settings)) as client:
        for body, status in cases.items():
            assert await post(client, body, signed_headers(body)) == status, body
        huge = b"x" * (settings.max_body_bytes + 1)
        assert await post(client, huge, signed_headers(huge)) == 413
        await drained(client)
    # the extra key is ignored (its comment stored), the Instagram object recorded and ignored,
    # the two bodies nothing can read kept as dead letters; the unknown Page and the oversized
    # body refused (the latter unread, recorded all the same)
    assert await counts(db) == {
        "processed": 2, "unreadable": 2, "rejected": 2, "comments": 1, "sessions": 1,
    }  # fmt: skip
    rows = await db.fetch("SELECT status, error FROM webhook_deliveries WHERE verified ORDER BY id")
    assert [r["status"] for r in rows] == ["unreadable", "unreadable", "processed", "rejected",
                                           "processed"]  # fmt: skip
    assert rows[0]["error"].startswith("unreadable delivery")
    assert rows[4]["error"] == "ignored: object instagram ×1"
    oversized = await db.fetchrow(
        "SELECT source, verified, length(body) AS size, error FROM webhook_deliveries "
        "WHERE verification_error LIKE '%size limit%'"
    )
    assert (oversized["source"], oversized["verified"], oversized["size"]) == ("facebook", False, 0)
    assert "over the" in oversized["error"]


async def test_live_status_messages_removals_and_phone_hiding(
    settings: Settings, db: asyncpg.Connection, arq_pool: Any
) -> None:
    shop = await seed_shop(db)
    live = {"field": "live_videos", "value": {"id": "L2", "status": "live"}}
    stopped = {"field": "live_videos", "value": {"id": "L2", "status": "live_stopped"}}
    phone = comment_change("L2_9", f"{shop.page_id}_L2", "chốt A01 sdt 0912 345 678", author="u9")
    message = {"sender": {"id": "psid-7"}, "recipient": {"id": shop.page_id},
               "timestamp": int(time.time() * 1000),
               "message": {"mid": "m_1", "text": "lấy 2 hộp nem"}}  # fmt: skip
    removed = comment_change("L2_9", f"{shop.page_id}_L2", "", author="u9", verb="remove")
    async with app_client(facebook_settings(settings)) as client:
        for changes in ([live], [phone]):
            body = envelope(shop.page_id, changes)
            assert await post(client, body, signed_headers(body)) == 200
        entry = {"id": shop.page_id, "time": int(time.time() * 1000), "messaging": [message]}
        body = orjson.dumps({"object": "page", "entry": [entry]})
        assert await post(client, body, signed_headers(body)) == 200
        await drained(client)
        for changes in ([removed], [stopped]):
            body = envelope(shop.page_id, changes)
            assert await post(client, body, signed_headers(body)) == 200
    rows = await db.fetch("SELECT external_live_id, status FROM live_sessions ORDER BY id")
    assert [(r["external_live_id"], r["status"]) for r in rows] == [
        (shop.live_id, "live"),
        ("L2", "ended"),
    ]
    comments = {r["external_id"]: r for r in await db.fetch("SELECT * FROM comments")}
    assert comments["L2_9"]["status"] == "ignored" and comments["L2_9"]["external_live_id"] == "L2"
    assert comments["m_1"]["author_external_id"] == "psid-7"
    hide = await db.fetchrow("SELECT kind, status, target FROM outbound_messages")
    assert (hide["kind"], hide["status"], hide["target"]) == (
        "facebook.hide_comment", "pending", {"comment_id": "L2_9"},
    )  # fmt: skip
