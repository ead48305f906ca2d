"""A buyer who edits or removes a comment (or a Messenger message) gets their order recomputed
from the edited text: through the real route, the ingest, and the merge, idempotently."""

from __future__ import annotations

import time
from typing import Any

import asyncpg
import orjson
from aiohttp.test_utils import TestClient

from aggregator.orders.merge import merge_session
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
Client = TestClient[Any, Any]


async def post(client: Client, body: bytes) -> None:
    async with client.post(URL, data=body, headers=signed_headers(body)) as response:
        assert response.status == 200, await response.text()
    await client.app[INGESTOR].drain()


def feed(shop: Shop, text: str, verb: str, at_ms: int, cid: str = "1") -> bytes:
    change = comment_change(
        f"{shop.live_id}_{cid}", f"{shop.page_id}_{shop.live_id}", text, author="u1", verb=verb
    )
    return envelope(shop.page_id, [change], at_ms=at_ms)


def chat(shop: Shop, event: dict[str, Any], at_ms: int) -> bytes:
    item = {"sender": {"id": "psid-1"}, "recipient": {"id": shop.page_id}, "timestamp": at_ms,
            **event}  # fmt: skip
    entry = {"id": shop.page_id, "time": at_ms, "messaging": [item]}
    return orjson.dumps({"object": "page", "entry": [entry]})


async def lines(db: asyncpg.Connection, shop: Shop) -> list[tuple[str, int, str]]:
    rows = await db.fetch(
        "SELECT i.code, i.qty, o.status FROM order_items i JOIN orders o ON o.id = i.order_id "
        "WHERE o.session_id = $1 AND i.status <> 'removed' ORDER BY i.id",
        shop.session_id,
    )
    return [(r["code"], r["qty"], r["status"]) for r in rows]


async def test_an_edited_comment_is_merged_again_and_a_removed_one_cancels(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    shop = await seed_shop(db, stock={"A01": 10})
    now = int(time.time() * 1000)
    async with app_client(facebook_settings(settings)) as client:
        await post(client, feed(shop, "chốt A01 x2", "add", now))
        await merge_session(pool, shop.session_id)
        assert await lines(db, shop) == [("A01", 2, "awaiting_confirmation")]
        edited = feed(shop, "chốt A01 x3", "edited", now + 1000)
        await post(client, edited)
        await merge_session(pool, shop.session_id)
        assert await lines(db, shop) == [("A01", 3, "awaiting_confirmation")]
        # Facebook retries the edit, and an older edit arrives late: neither changes anything.
        await post(client, edited)
        await post(client, feed(shop, "chốt A01 x9", "edited", now + 500))
        await merge_session(pool, shop.session_id)
        assert await lines(db, shop) == [("A01", 3, "awaiting_confirmation")]
        comment = await db.fetchrow("SELECT body, status, replaced FROM comments")
        assert (comment["body"], comment["status"], comment["replaced"]) == (
            "chốt A01 x3", "processed", None,
        )  # fmt: skip
        await post(client, feed(shop, "", "remove", now + 2000))
        await merge_session(pool, shop.session_id)
    assert await db.fetchval("SELECT status FROM orders") == "cancelled"
    assert await db.fetchval("SELECT status FROM comments") == "ignored"
    reserved = await db.fetchval("SELECT sum(reserved) FROM live_stock")
    assert reserved == 0  # what the removed comment held is free again
    statuses = await db.fetch("SELECT status FROM webhook_deliveries ORDER BY id")
    assert [r["status"] for r in statuses] == ["processed"] * 2 + ["duplicate"] + ["processed"] * 2


async def test_an_edited_messenger_message_is_merged_again(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    shop = await seed_shop(db, stock={"A01": 10})
    now = int(time.time() * 1000)
    async with app_client(facebook_settings(settings)) as client:
        await post(client, chat(shop, {"message": {"mid": "m_1", "text": "chốt A01 x2"}}, now))
        await merge_session(pool, shop.session_id)
        edit = {"message_edit": {"mid": "m_1", "text": "chốt A01 x4", "num_edit": 1}}
        await post(client, chat(shop, edit, now + 1000))
        await merge_session(pool, shop.session_id)
    assert await lines(db, shop) == [("A01", 4, "awaiting_confirmation")]


async def test_an_edit_never_rewrites_an_order_past_confirmation_nor_makes_a_new_one(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    shop = await seed_shop(db, stock={"A01": 10})
    now = int(time.time() * 1000)
    async with app_client(facebook_settings(settings)) as client:
        await post(client, feed(shop, "chốt A01 x2", "add", now))
        await merge_session(pool, shop.session_id)
        await db.execute("UPDATE orders SET status = 'packed'")
        await post(client, feed(shop, "chốt A01 x5", "edited", now + 1000))
        await merge_session(pool, shop.session_id)
        # An edit of a comment chotdon never saw is not lost: it is stored with its new text.
        await post(client, feed(shop, "chốt A01", "edited", now + 2000, cid="2"))
    assert await lines(db, shop) == [("A01", 2, "packed")]
    assert await db.fetchval("SELECT count(*) FROM orders") == 1
    bodies = await db.fetch("SELECT body, status FROM comments ORDER BY id")
    assert [(r["body"], r["status"]) for r in bodies] == [
        ("chốt A01 x5", "processed"), ("chốt A01", "pending"),
    ]  # fmt: skip
