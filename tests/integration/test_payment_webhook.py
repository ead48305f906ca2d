"""Bank-transfer notifications: authenticated, recorded, matched to an order, paid exactly once."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer
from arq.connections import ArqRedis

from aggregator.confirmation.payments import payment_replayer, payments_for_staff
from aggregator.inbox.journal import DeliveryJournal
from aggregator.inbox.records import Inbound
from aggregator.inbox.replay import replay_unreadable
from aggregator.settings import Settings
from aggregator.web.app import create_app
from tests.support.confirmation import (
    PAYMENT_SECRET,
    confirmation_settings,
    order_from_comments,
    shop_with_origins,
)

TOKEN = {"Authorization": f"Apikey {PAYMENT_SECRET}"}


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[TestClient[Any, Any]]:
    async with TestClient(TestServer(create_app(confirmation_settings(settings)))) as test_client:
        yield test_client


async def _notify(
    client: TestClient[Any, Any], body: dict[str, Any] | bytes, headers: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    answer = await client.post("/webhooks/payments", data=data, headers=headers)
    return answer.status, await answer.json()


@pytest.fixture
async def order(db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis) -> asyncpg.Record:
    shop = await shop_with_origins(db, stock={"A01": 5})
    order_id = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01 x2")
    row = await db.fetchrow("SELECT id, order_no, total_vnd FROM orders WHERE id = $1", order_id)
    assert row is not None and row["total_vnd"] == 360_000
    return row


async def test_a_transfer_delivered_three_times_marks_the_order_paid_once(
    client: TestClient[Any, Any], db: asyncpg.Connection, order: asyncpg.Record
) -> None:
    notice = {"transaction_id": 987654, "amount": 360_000,
              "content": f"MBVCB.1234.{order['order_no']}.CT tu 0011 NGUYEN THI LAN",
              "gateway": "VCB", "transferType": "in"}  # fmt: skip
    # Three deliveries at once (a service retrying on a slow answer): one counts.
    answers = await asyncio.gather(*(_notify(client, notice, TOKEN) for _ in range(3)))
    assert [a[0] for a in answers] == [200, 200, 200]
    bodies = sorted(answers, key=lambda a: "duplicate" in a[1])
    assert bodies[0][1] == {"success": True, "status": "matched"}
    assert all(a[1].get("duplicate") for a in bodies[1:])
    paid = await db.fetchrow(
        "SELECT paid_at, payment_method FROM orders WHERE id = $1", order["id"]
    )
    assert paid["paid_at"] is not None and paid["payment_method"] == "vietqr"
    assert await db.fetchval("SELECT count(*) FROM payments") == 1
    events = await db.fetch(
        "SELECT data FROM order_events WHERE order_id = $1 AND kind = 'payment_received'",
        order["id"],
    )
    assert len(events) == 1 and events[0]["data"]["transaction_id"] == "987654"
    deliveries = await db.fetch(
        "SELECT status, delivery_key FROM webhook_deliveries WHERE source = 'payments' ORDER BY id"
    )
    assert sorted(d["status"] for d in deliveries) == ["duplicate", "duplicate", "processed"]
    assert [d["delivery_key"] for d in deliveries if d["status"] == "processed"] == ["987654"]


async def test_partial_overpaid_and_unmatched_transfers_wait_for_staff(
    client: TestClient[Any, Any], db: asyncpg.Connection, pool: asyncpg.Pool, order: asyncpg.Record
) -> None:
    number = order["order_no"]
    send = [
        ("t1", 200_000, f"{number} dat coc"),  # partial
        ("t2", 100_000, "chuyen tien hang"),  # names no order
        ("t3", 160_000, f"{number.lower()} phan con lai"),  # completes it: paid
        ("t4", 50_000, f"{number} chuyen them"),  # after paid: overpaid
        ("t5", 10_000, "CD9999999"),  # an order number nobody has
    ]
    statuses = []
    for tid, amount, content in send:
        body = {"transaction_id": tid, "amount": amount, "content": content}
        statuses.append((await _notify(client, body, TOKEN))[1]["status"])
    assert statuses == ["partial", "unmatched", "matched", "overpaid", "unmatched"]
    assert await db.fetchval("SELECT paid_at IS NOT NULL FROM orders WHERE id = $1", order["id"])
    tenant = await db.fetchval("SELECT tenant_id FROM orders WHERE id = $1", order["id"])
    mine = await payments_for_staff(pool, tenant)
    assert [(p["transaction_id"], p["status"]) for p in mine] == [
        ("t1", "partial"), ("t4", "overpaid"),
    ]  # fmt: skip
    nobodys = await payments_for_staff(pool, None)
    assert [p["transaction_id"] for p in nobodys] == ["t2", "t5"]


async def test_a_transfer_for_an_expired_order_waits_for_staff_and_pays_nothing(
    client: TestClient[Any, Any], db: asyncpg.Connection, pool: asyncpg.Pool, order: asyncpg.Record
) -> None:
    await db.execute("UPDATE orders SET status = 'expired' WHERE id = $1", order["id"])
    body = {"transaction_id": "late-1", "amount": 360_000, "content": order["order_no"]}
    assert (await _notify(client, body, TOKEN))[1]["status"] == "overpaid"
    assert await db.fetchval("SELECT paid_at FROM orders WHERE id = $1", order["id"]) is None
    tenant = await db.fetchval("SELECT tenant_id FROM orders WHERE id = $1", order["id"])
    assert [p["transaction_id"] for p in await payments_for_staff(pool, tenant)] == ["late-1"]


async def test_hmac_mode_and_refused_requests_are_recorded(
    settings: Settings, db: asyncpg.Connection, order: asyncpg.Record
) -> None:
    own = confirmation_settings(settings, payment_webhook_auth="hmac")
    body = orjson.dumps({"transaction_id": "h1", "amount": 360_000, "content": order["order_no"]})
    good = "sha256=" + hmac.new(PAYMENT_SECRET.encode(), body, hashlib.sha256).hexdigest()
    async with TestClient(TestServer(create_app(own))) as client:
        assert (await _notify(client, body, {}))[0] == 401
        assert (await _notify(client, body, TOKEN))[0] == 403  # a token is not a signature here
        assert (await _notify(client, body, {"X-Chotdon-Signature": "sha256=00"}))[0] == 403
        bad_json = b'{"transaction_id": "h2", "amount": "lots"}'
        sig = "sha256=" + hmac.new(PAYMENT_SECRET.encode(), bad_json, hashlib.sha256).hexdigest()
        # signed but not a notice: kept as a dead letter and acknowledged, never refused
        assert await _notify(client, bad_json, {"X-Chotdon-Signature": sig}) == (
            200, {"success": True, "unreadable": True},
        )  # fmt: skip
        assert await _notify(client, body, {"X-Chotdon-Signature": good}) == (
            200, {"success": True, "status": "matched"},
        )  # fmt: skip
    rows = await db.fetch(
        "SELECT verified, status, verification_error, headers FROM webhook_deliveries "
        "WHERE source = 'payments' ORDER BY id"
    )
    assert [(r["verified"], r["status"]) for r in rows] == [
        (False, "rejected"), (False, "rejected"), (False, "rejected"), (True, "unreadable"),
        (True, "processed"),
    ]  # fmt: skip
    assert all("authorization" not in r["headers"] for r in rows)  # secrets are never stored
    unconfigured = settings.model_copy(update={"payment_webhook_secret": None})
    async with TestClient(TestServer(create_app(unconfigured))) as client:
        assert (await _notify(client, body, TOKEN))[0] == 403


async def test_a_notice_kept_as_unreadable_is_paid_once_by_a_replay(
    pool: asyncpg.Pool, db: asyncpg.Connection, order: asyncpg.Record
) -> None:
    """A signed notice an older chotdon could not read: the replay pays its order, once."""
    notice = {"transaction_id": "old-1", "amount": 360_000, "content": order["order_no"]}
    kept = Inbound.of(orjson.dumps(notice), {}).unreadable("not a transaction notification")
    await DeliveryJournal(pool, "payments").record(kept)
    replayers = {"payments": payment_replayer(pool)}
    first = await replay_unreadable(pool, replayers)
    second = await replay_unreadable(pool, replayers)
    assert (first.read, second.read, second.unreadable) == ({"payments": 1}, {}, {})
    assert await db.fetchval("SELECT count(*) FROM payments") == 1
    paid = await db.fetchval("SELECT paid_at FROM orders WHERE id = $1", order["id"])
    assert paid is not None
    row = await db.fetchrow("SELECT status, replays, tenant_id FROM webhook_deliveries")
    assert (row["status"], row["replays"]) == ("processed", 1) and row["tenant_id"] is not None
