"""Confirming by reply: "ok" confirms when the order has all it needs; otherwise it is noted."""

from __future__ import annotations

import time

import asyncpg
import orjson
from arq.connections import ArqRedis

from aggregator.confirmation.replies import confirm_by_reply, handle_buyer_reply
from aggregator.runtime import jobs
from aggregator.settings import Settings
from schema.enums import Platform
from tests.support.confirmation import order_from_comments, shop_with_origins
from tests.support.facebook import app_client, facebook_settings, signed_headers
from tests.support.privacy import agreed_before
from workers.confirmation_jobs import buyer_reply_job
from workers.context import PG_POOL, SETTINGS


async def _give_last_address(db: asyncpg.Connection, order_id: int, phone: bool = True) -> None:
    """A returning buyer: their last address, and the notice they agreed to on that order."""
    buyer = await db.fetchval("SELECT buyer_id FROM orders WHERE id = $1", order_id)
    await agreed_before(db, order_id)
    await db.execute(
        "UPDATE buyers SET full_name = 'Trần Văn Minh', province_code = '1', ward_code = '70', "
        "address_line = '12 Hàng Bông', phone = $2 WHERE id = $1",
        buyer,
        "0987654321" if phone else None,
    )


async def test_ok_confirms_a_returning_buyers_order(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await shop_with_origins(db, stock={"A01": 3})
    order_id = await order_from_comments(db, pool, arq_pool, shop, "minh", "chốt A01")
    await _give_last_address(db, order_id)
    assert not (await confirm_by_reply(pool, order_id, "giá ship bao nhiêu?")).confirmed
    outcome = await confirm_by_reply(pool, order_id, "Dạ vâng, xác nhận ạ", via="facebook reply")
    assert outcome.confirmed
    row = await db.fetchrow("SELECT status, recipient_phone, ward_code FROM orders")
    assert tuple(row) == ("confirmed", "0987654321", "70")
    event = await db.fetchrow("SELECT actor, data FROM order_events WHERE kind = 'buyer_confirmed'")
    assert event["actor"] == "buyer:reply" and event["data"]["user_agent"] == "facebook reply"


async def test_a_reply_missing_details_is_noted_and_a_phone_completes_it(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await shop_with_origins(db)
    order_id = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01")
    outcome = await confirm_by_reply(pool, order_id, "ok")
    assert not outcome.confirmed
    assert set(outcome.missing) >= {"name", "phone", "province", "address"}
    await _give_last_address(db, order_id, phone=False)  # an address, but no phone yet
    outcome = await confirm_by_reply(pool, order_id, "ok shop")
    assert outcome.missing == ("phone",)
    outcome = await confirm_by_reply(pool, order_id, "oke, sđt em 0912.345.678")
    assert outcome.confirmed
    assert await db.fetchval("SELECT recipient_phone FROM orders") == "0912345678"
    kinds = await db.fetch(
        "SELECT data ->> 'outcome' AS outcome FROM order_events WHERE kind = 'buyer_reply' "
        "ORDER BY id"
    )
    assert [k["outcome"] for k in kinds][-1] == "needs phone"


async def test_a_messenger_reply_reaches_the_reply_job(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await shop_with_origins(db)
    order_id = await order_from_comments(db, pool, arq_pool, shop, "psid-7", "chốt A01")
    await _give_last_address(db, order_id)
    await arq_pool.flushdb()
    message = {
        "sender": {"id": "psid-7"},
        "recipient": {"id": shop.page_id},
        "timestamp": int(time.time() * 1000),
        "message": {"mid": "m_9", "text": "ok"},
    }
    entry = {"id": shop.page_id, "time": int(time.time() * 1000), "messaging": [message]}
    body = orjson.dumps({"object": "page", "entry": [entry]})
    own = facebook_settings(settings)
    async with app_client(own) as client:
        answer = await client.post("/webhooks/facebook", data=body, headers=signed_headers(body))
        assert answer.status == 200
    [job] = [j for j in await arq_pool.queued_jobs() if j.function == jobs.BUYER_REPLY]
    assert list(job.args) == ["facebook", shop.page_id, "psid-7", "ok"]
    assert await buyer_reply_job({SETTINGS: own, PG_POOL: pool}, *job.args)
    assert await db.fetchval("SELECT status FROM orders WHERE id = $1", order_id) == "confirmed"
    # Someone else's reply, or a reply on a channel we do not know, touches nothing.
    assert (
        await handle_buyer_reply(pool, Platform.FACEBOOK, "nope", "psid-7", "ok")
    ).order_id is None
    assert (
        await handle_buyer_reply(pool, Platform.FACEBOOK, shop.page_id, "stranger", "ok")
    ).order_id is None
