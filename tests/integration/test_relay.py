"""The signed comment relay: signatures and replay window, recording, dedupe, bad input."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson
import pytest
from aiohttp.test_utils import TestClient

from aggregator.channels.directory import connect_channel
from aggregator.credentials.keyring import credential_cipher
from aggregator.errors import ConfigurationError
from aggregator.settings import Settings
from aggregator.web.keys import INGESTOR
from connectors.relay.signature import signed_headers
from schema.enums import Platform
from tests.support.facebook import app_client
from tests.support.factories import seed_shop
from tests.support.platforms import (
    RELAY_SECRET,
    add_channel,
    add_live,
    delivery_counts,
    platform_settings,
)


@dataclass(frozen=True)
class Relay:
    channel: str
    session_id: int

    @property
    def url(self) -> str:
        return f"/relay/{self.channel}/comments"


async def seed_relay(db: asyncpg.Connection, settings: Settings) -> Relay:
    shop = await seed_shop(db)
    channel_id, channel = await add_channel(
        db, settings, shop.tenant_id, Platform.RELAY, RELAY_SECRET
    )
    return Relay(channel, await add_live(db, shop.tenant_id, channel_id))


# Secrets long enough, and with characters base64 never writes, that a sealed token cannot hold
# them by chance ("s2" turned up inside a random Fernet token once in a few dozen runs).
FIRST, SECOND = "relay-secret-1!", "relay-secret-2!"


async def test_connecting_a_relay_channel_seals_its_secret_and_keeps_it_per_cooperative(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    configured = platform_settings(settings)
    sealer = credential_cipher(configured, Platform.RELAY)
    mine, other = await seed_shop(db), await seed_shop(db)
    channel_id = await connect_channel(
        pool, Platform.RELAY, mine.tenant_id, "htx-tiktok", "TikTok LIVE", sealer.encrypt(FIRST)
    )
    again = await connect_channel(
        pool, Platform.RELAY, mine.tenant_id, "htx-tiktok", "TikTok LIVE", sealer.encrypt(SECOND)
    )
    assert again == channel_id
    with pytest.raises(ConfigurationError):
        await connect_channel(pool, Platform.RELAY, other.tenant_id, "htx-tiktok", "x", None)
    sealed = await db.fetchval("SELECT credentials_encrypted FROM channels WHERE id = $1", again)
    assert SECOND.encode() not in sealed and sealer.decrypt(sealed) == SECOND


def batch(count: int, start: int = 0, **extra: Any) -> bytes:
    comments = [
        {"id": f"tt{n}", "author_id": f"buyer{n % 50}", "author_name": "Khách", "text": "chốt A01"}
        for n in range(start, start + count)
    ]
    return orjson.dumps({"comments": comments, **extra})


async def post(
    client: TestClient[Any, Any], url: str, body: bytes, headers: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    async with client.post(url, data=body, headers=headers) as response:
        return response.status, await response.json()


def signed(body: bytes, *, secret: str = RELAY_SECRET, at: float | None = None) -> dict[str, str]:
    return signed_headers(secret.encode(), int(at or time.time()), body)


async def test_a_batch_of_1000_is_stored_once_even_when_posted_twice(
    settings: Settings, db: asyncpg.Connection
) -> None:
    relay = await seed_relay(db, settings)
    body = batch(1000)
    async with app_client(platform_settings(settings)) as client:
        first = signed(body)
        assert await post(client, relay.url, body, first) == (
            202, {"accepted": 1000, "duplicate": False},
        )  # fmt: skip
        # the exact request again (a replay inside the window): a duplicate delivery, no work
        assert (await post(client, relay.url, body, first))[1]["duplicate"] is True
        # the bridge retries with a fresh timestamp: a new delivery, but every comment is known
        assert (await post(client, relay.url, body, signed(body, at=time.time() + 1)))[0] == 202
        await client.app[INGESTOR].drain()
    rows = await db.fetch("SELECT session_id, count(*) AS n FROM comments GROUP BY session_id")
    assert [(r["session_id"], r["n"]) for r in rows] == [(relay.session_id, 1000)]
    assert await delivery_counts(db, "relay") == {"processed": 2, "duplicate": 1}


async def test_wrong_missing_or_stale_signatures_are_refused_and_recorded(
    settings: Settings, db: asyncpg.Connection
) -> None:
    relay = await seed_relay(db, settings)
    body = batch(3)
    stale = signed(body, at=time.time() - 301)
    cases = [
        (signed(body, secret="not-the-secret"), 403),
        ({"Content-Type": "application/json"}, 401),
        ({**signed(body), "X-Chotdon-Signature": ""}, 401),
        (stale, 403),
        (signed(body, at=time.time() + 3600), 403),
        ({**signed(body), "X-Chotdon-Timestamp": "yesterday"}, 403),
    ]
    async with app_client(platform_settings(settings)) as client:
        for headers, status in cases:
            assert (await post(client, relay.url, body, headers))[0] == status
        assert (await post(client, "/relay/nobody/comments", body, signed(body)))[0] == 403
        await client.app[INGESTOR].drain()
    assert await db.fetchval("SELECT count(*) FROM comments") == 0
    assert await delivery_counts(db, "relay") == {"rejected": len(cases) + 1}
    rows = await db.fetch("SELECT verified, verification_error, headers FROM webhook_deliveries")
    assert all(not r["verified"] and r["verification_error"] for r in rows)
    stored = orjson.dumps([r["headers"] for r in rows])
    assert b"sha256=" not in stored and RELAY_SECRET.encode() not in stored
    assert any("replay window" in r["verification_error"] for r in rows)


async def test_unreadable_batches_are_kept_over_limit_ones_refused_unknown_keys_ignored(
    settings: Settings, db: asyncpg.Connection
) -> None:
    relay = await seed_relay(db, settings)
    unreadable = [b"{not json", orjson.dumps({"comments": [{"id": "x", "text": "no author"}]})]
    async with app_client(platform_settings(settings, relay_max_comments=10)) as client:
        for body in unreadable:  # signed: a dead letter, answered 200 so the bridge moves on
            assert await post(client, relay.url, body, signed(body)) == (
                200, {"accepted": 0, "duplicate": False, "unreadable": True},
            )  # fmt: skip
        empty = orjson.dumps({"comments": []})  # readable, under the schema's minimum
        assert (await post(client, relay.url, empty, signed(empty)))[0] == 400
        newer = batch(1, extra_field=1)  # a newer bridge's extra key is ignored
        assert (await post(client, relay.url, newer, signed(newer)))[0] == 202
        big = batch(11)
        assert (await post(client, relay.url, big, signed(big)))[0] == 413
        huge = b"x" * (settings.max_body_bytes + 1)
        async with client.post(relay.url, data=huge, headers=signed(huge)) as response:
            assert response.status == 413
        await client.app[INGESTOR].drain()
    assert await db.fetchval("SELECT count(*) FROM comments") == 1
    # the empty batch, the batch over the comment cap, and the body over the size limit
    assert await delivery_counts(db, "relay") == {"rejected": 3, "unreadable": 2, "processed": 1}


async def test_without_a_live_id_comments_join_the_live_on_air_and_the_schema_is_published(
    settings: Settings, db: asyncpg.Connection
) -> None:
    relay = await seed_relay(db, settings)
    body = orjson.dumps(
        {"comments": [{"id": "a", "author_id": "u", "text": "chốt A01 x2", "live_id": "other"},
                      {"id": "b", "author_id": "u", "text": "chốt A01 x2"}]}
    )  # fmt: skip
    async with app_client(platform_settings(settings)) as client:
        assert (await post(client, relay.url, body, signed(body)))[0] == 202
        await client.app[INGESTOR].drain()
        async with client.get("/relay/schema.json") as response:
            schema = await response.json()
    rows = await db.fetch("SELECT external_id, session_id, status FROM comments ORDER BY 1")
    assert [(r["external_id"], r["session_id"], r["status"]) for r in rows] == [
        ("a", None, "orphaned"), ("b", relay.session_id, "pending"),
    ]  # fmt: skip
    assert schema["required"] == ["comments"]
    assert "author_id" in schema["$defs"]["RelayComment"]["properties"]


async def test_the_openapi_document_publishes_the_relay_batch_schema(settings: Settings) -> None:
    async with app_client(platform_settings(settings)) as client:
        document = await (await client.get("/openapi.json")).json()
    relay = document["paths"]["/relay/{channel}/comments"]["post"]
    body = relay["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/RelayBatch"}
    assert "comments" in document["components"]["schemas"]["RelayBatch"]["properties"]
    assert {p["name"] for p in relay["parameters"]} >= {
        "X-Chotdon-Signature",
        "X-Chotdon-Timestamp",
    }
    # every $ref points at a schema that is there
    refs = orjson.dumps(document).decode().split('"$ref":"#/components/schemas/')[1:]
    assert all(ref.split('"')[0] in document["components"]["schemas"] for ref in refs)
