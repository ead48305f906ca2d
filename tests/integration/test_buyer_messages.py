"""Messages to buyers: one per burst, once per content, on the platform the buyer came from."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from arq.connections import ArqRedis

from aggregator.confirmation.messages import MessageKind, enqueue_order_messages, send_order_message
from aggregator.ingest.pipeline import Ingestor
from aggregator.orders.merge import merge_session
from aggregator.runtime import jobs
from aggregator.runtime.db import create_pool
from aggregator.settings import Settings
from aggregator.web.app import create_app
from tests.support.confirmation import confirmation_settings, order_from_comments, shop_with_origins
from workers.context import PG_POOL, SETTINGS, outbound_routers
from workers.order_jobs import merge_session_job

ROUTERS = outbound_routers()


async def _messages(db: asyncpg.Connection, order_id: int) -> list[asyncpg.Record]:
    return await db.fetch(
        "SELECT kind, status, body, target, last_error FROM outbound_messages "
        "WHERE order_id = $1 ORDER BY id",
        order_id,
    )


async def test_facebook_buyer_gets_a_private_reply_then_order_updates(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    own = confirmation_settings(settings)
    shop = await shop_with_origins(db, stock={"A01": 5})
    order_id = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01 x2")
    for _ in range(2):  # the same content twice: one message
        await send_order_message(pool, arq_pool, own, ROUTERS, order_id, MessageKind.SUMMARY)
    [first] = await _messages(db, order_id)
    order_no = await db.fetchval("SELECT order_no FROM orders WHERE id = $1", order_id)
    assert first["kind"] == "facebook.private_reply" and first["status"] == "pending"
    comment = await db.fetchval("SELECT external_id FROM comments ORDER BY id LIMIT 1")
    assert first["target"] == {"comment_id": comment}
    body = first["body"]
    assert order_no in body and "360.000 ₫" in body and "Gạo ST25" in body
    link = next(word for word in body.split() if word.startswith("http://buyer.test/o/"))
    async with TestClient(TestServer(create_app(own))) as client:
        page = await client.get(link.removeprefix("http://buyer.test"))
        assert page.status == 200 and order_no in await page.text()
    # The buyer adds an item in a public comment, which opens no Messenger window, and Meta
    # retired the order-update tag on 2026-04-27: the message is recorded unsent, with why.
    await order_from_comments(db, pool, arq_pool, shop, "lan", "thêm 1 nem chua")
    await send_order_message(pool, arq_pool, own, ROUTERS, order_id, MessageKind.SUMMARY)
    messages = await _messages(db, order_id)
    assert [(m["kind"], m["status"]) for m in messages] == [
        ("facebook.private_reply", "pending"), ("order.message", "unsent"),
    ]  # fmt: skip
    assert "outside Messenger's 24-hour window" in messages[1]["last_error"]
    assert "420.000 ₫" in messages[1]["body"]
    # Once the buyer writes in Messenger, the next change goes out as a RESPONSE, untagged.
    async with Ingestor(pool, arq_pool) as ingestor:
        chat = shop.comment("thêm 1 nem chua nữa", "lan", cid="m_lan_1")
        await ingestor.submit_many([chat.model_copy(update={"external_live_id": None})])
    await merge_session(pool, shop.session_id)
    await send_order_message(pool, arq_pool, own, ROUTERS, order_id, MessageKind.SUMMARY)
    messages = await _messages(db, order_id)
    assert [m["kind"] for m in messages][2:] == ["facebook.message"]
    assert messages[2]["target"] == {"psid": "lan", "messaging_type": "RESPONSE"}
    assert "480.000 ₫" in messages[2]["body"]
    sends = [j for j in await arq_pool.queued_jobs() if j.function == jobs.FACEBOOK_SEND]
    assert len(sends) == 2
    events = await db.fetchval(
        "SELECT count(*) FROM order_events WHERE order_id = $1 AND kind = 'buyer_messaged'",
        order_id,
    )
    assert events == 3


async def test_a_comment_older_than_seven_days_gets_no_private_reply(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    """Meta allows a private reply within 7 days of the comment; past that, and with no Messenger
    message from the buyer, nothing may be sent: the message is recorded unsent, with why."""
    own = confirmation_settings(settings)
    shop = await shop_with_origins(db, stock={"A01": 5})
    async with Ingestor(pool, arq_pool) as ingestor:
        eight_days_ago = datetime.now(UTC) - timedelta(days=8)
        await ingestor.submit(shop.comment("chốt A01", "old", at=eight_days_ago))
    await merge_session(pool, shop.session_id)
    order_id = await db.fetchval("SELECT id FROM orders")
    await send_order_message(pool, arq_pool, own, ROUTERS, order_id, MessageKind.SUMMARY)
    [message] = await _messages(db, order_id)
    assert (message["kind"], message["status"]) == ("order.message", "unsent")
    assert "outside Messenger's 24-hour window" in message["last_error"]


@pytest.mark.parametrize(
    ("platform", "kind", "status"),
    [("zalo", "zalo.cs_message", "pending"), ("tiktok", "order.message", "unsent"),
     ("relay", "order.message", "unsent")],
)  # fmt: skip
async def test_other_platforms_send_or_record_the_message(
    settings: Settings,
    db: asyncpg.Connection,
    pool: asyncpg.Pool,
    arq_pool: ArqRedis,
    platform: str,
    kind: str,
    status: str,
) -> None:
    own = confirmation_settings(settings)
    shop = await shop_with_origins(db)
    order_id = await order_from_comments(db, pool, arq_pool, shop, "u1", "chốt A01")
    await db.execute("UPDATE channels SET platform = $1 WHERE id = $2", platform, shop.channel_id)
    await send_order_message(pool, arq_pool, own, ROUTERS, order_id, MessageKind.SUMMARY)
    await send_order_message(pool, arq_pool, own, ROUTERS, order_id, MessageKind.SUMMARY)
    [message] = await _messages(db, order_id)
    assert (message["kind"], message["status"]) == (kind, status)
    assert message["target"]["user_id"] == "u1"
    if status == "unsent":
        assert message["last_error"].startswith("not yet sent")


async def test_no_message_for_confirmed_or_expired_orders_or_without_a_secret(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await shop_with_origins(db)
    order_id = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01")
    assert (
        await send_order_message(pool, arq_pool, settings, ROUTERS, order_id, MessageKind.SUMMARY)
        is None
    )
    await db.execute("UPDATE orders SET status = 'expired' WHERE id = $1", order_id)
    own = confirmation_settings(settings)
    assert (
        await send_order_message(pool, arq_pool, own, ROUTERS, order_id, MessageKind.SUMMARY)
        is None
    )
    assert await _messages(db, order_id) == []


async def test_a_burst_of_merges_makes_one_message_job_per_order(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    own = confirmation_settings(settings, buyer_message_delay_s=30)
    shop = await shop_with_origins(db, stock={"A01": 5})
    lan = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01")
    assert await enqueue_order_messages(arq_pool, [lan, lan], 30) == 1
    assert await enqueue_order_messages(arq_pool, [lan], 30) == 0  # same bucket: coalesced
    await arq_pool.flushdb()
    # The merge job enqueues after its commit, for the orders it created or changed.
    ctx = {SETTINGS: own, PG_POOL: pool, "redis": arq_pool}
    async with Ingestor(pool, arq_pool) as ingestor:
        await ingestor.submit_many(
            [shop.comment("chốt A01", "minh"), shop.comment("thêm 1 nem chua", "lan")]
        )
    await arq_pool.flushdb()
    await merge_session_job(ctx, shop.session_id)
    queued = await arq_pool.queued_jobs()
    assert sorted(j.function for j in queued) == [jobs.SEND_ORDER_MESSAGE] * 2
    assert {j.args[1] for j in queued} == {"summary"}


async def test_a_zalo_buyer_outside_the_window_gets_a_zns_template_by_phone(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    own = confirmation_settings(settings)
    shop = await shop_with_origins(db)
    order_id = await order_from_comments(db, pool, arq_pool, shop, "z1", "chốt A01 sđt 0912345678")
    await db.execute(
        "UPDATE channels SET platform = 'zalo', "
        'settings = settings || \'{"zns_order_update_template": "tpl-9"}\'::jsonb WHERE id = $1',
        shop.channel_id,
    )
    await db.execute("UPDATE comments SET commented_at = now() - interval '8 days'")
    await send_order_message(pool, arq_pool, own, ROUTERS, order_id, MessageKind.SUMMARY)
    [message] = await _messages(db, order_id)
    assert message["kind"] == "zalo.zns"
    assert message["target"]["phone"] == "84912345678"
    assert message["target"]["template_id"] == "tpl-9"


async def test_composers_at_once_never_wait_on_each_other_for_a_connection(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    """A composer holds its order's lock on one pooled connection until the message and its event
    are stored. Were the message stored through the pool, each composer would need a second
    connection while holding the first: as many composers as connections at once (an outbound
    worker's slots over its pool) and every one of them waited for ever (seen: the bench's
    outbound worker with 32 slots sent 2 messages and timed out the rest)."""
    own = confirmation_settings(settings)
    shop = await shop_with_origins(db, stock={"A01": 50})
    buyers = ["an", "binh", "chi", "dung"]
    orders = [await order_from_comments(db, pool, arq_pool, shop, b, "chốt A01") for b in buyers]
    small = await create_pool(own, min_size=2, max_size=2)
    try:
        composing = [
            send_order_message(small, arq_pool, own, ROUTERS, order_id, MessageKind.SUMMARY)
            for order_id in orders
        ]
        queued = await asyncio.wait_for(asyncio.gather(*composing), timeout=30)
    finally:
        await small.close()
    assert all(queued)
    for order_id in orders:
        [message] = await _messages(db, order_id)
        assert (message["kind"], message["status"]) == ("facebook.private_reply", "pending")
    # Each send job is enqueued once its row is committed, under the row's id.
    sends = {j.args[0] for j in await arq_pool.queued_jobs() if j.function == jobs.FACEBOOK_SEND}
    assert sends == set(queued)
    events = await db.fetchval(
        "SELECT count(*) FROM order_events WHERE kind = 'buyer_messaged' AND order_id = ANY($1)",
        orders,
    )
    assert events == len(orders)
