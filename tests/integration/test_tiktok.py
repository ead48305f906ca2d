"""TikTok Shop: signed webhooks, dedupe, order reads, scheduled sync with paging and 429s."""

from __future__ import annotations

import time
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient
from arq import Retry
from arq.connections import ArqRedis

from aggregator.runtime import jobs
from aggregator.runtime.queue import queue_names
from aggregator.settings import Settings
from connectors.simulators.tiktok import notification, webhook_headers
from connectors.tiktok.webhook import NotificationType
from tests.support.facebook import app_client
from tests.support.platforms import delivery_counts
from tests.support.tiktok import TikTokRig, job_ctx, tiktok_rig
from workers.platform_jobs import tiktok_fetch_orders_job, tiktok_sync_job, tiktok_sync_shop_job

URL = "/webhooks/tiktok"


async def post(client: TestClient[Any, Any], body: bytes, headers: dict[str, str]) -> int:
    async with client.post(URL, data=body, headers=headers) as response:
        await response.read()
        return response.status


async def queued_fetches(arq: ArqRedis) -> list[tuple[Any, ...]]:
    return [j.args for j in await arq.queued_jobs() if j.function == jobs.TIKTOK_FETCH_ORDERS]


async def run_queued_fetches(rig: TikTokRig, pool: asyncpg.Pool, arq: ArqRedis) -> None:
    for args in await queued_fetches(arq):
        await tiktok_fetch_orders_job(job_ctx(rig, pool, arq), *args)
    queues = queue_names(rig.settings).both
    await arq.delete(*queues, *[k async for k in arq.scan_iter("arq:job:*")])


async def statuses(db: asyncpg.Connection) -> dict[str, str]:
    rows = await db.fetch("SELECT external_order_id, external_status FROM platform_orders")
    return {r["external_order_id"]: r["external_status"] for r in rows}


async def test_order_webhooks_become_the_newest_order_state_and_never_go_back(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    async with tiktok_rig(settings, db) as rig, app_client(rig.settings) as client:
        sid = rig.shop.shop_id
        old = rig.state.put_order(sid, "5760001", "AWAITING_SHIPMENT")
        first = notification(sid, old)
        assert await post(client, first, webhook_headers(rig.state, first)) == 200
        await run_queued_fetches(rig, pool, arq_pool)
        assert await statuses(db) == {"5760001": "AWAITING_SHIPMENT"}

        later = rig.state.put_order(sid, "5760001", "CANCELLED")
        cancel = notification(sid, later, NotificationType.CANCELLATION_STATUS_CHANGE)
        assert await post(client, cancel, webhook_headers(rig.state, cancel)) == 200
        await run_queued_fetches(rig, pool, arq_pool)
        # a repeat, and a late notification of the old state: nothing moves backwards
        assert await post(client, first, webhook_headers(rig.state, first)) == 200
        late = notification(sid, old)
        assert await post(client, late, webhook_headers(rig.state, late)) == 200
        await run_queued_fetches(rig, pool, arq_pool)
    assert await statuses(db) == {"5760001": "CANCELLED"}
    row = await db.fetchrow("SELECT payload, tenant_id FROM platform_orders")
    assert row["payload"]["items"] == [
        {"code": "A01", "qty": 2, "variant": None, "unit_price_vnd": 180_000}
    ]
    assert await delivery_counts(db, "tiktok") == {"processed": 3, "duplicate": 1}


async def test_duplicate_notifications_store_nothing_new(
    settings: Settings, db: asyncpg.Connection, arq_pool: ArqRedis
) -> None:
    async with tiktok_rig(settings, db) as rig, app_client(rig.settings) as client:
        body = notification(rig.shop.shop_id, rig.state.put_order(rig.shop.shop_id, "1", "UNPAID"))
        for _ in range(3):
            assert await post(client, body, webhook_headers(rig.state, body)) == 200
        assert await queued_fetches(arq_pool) == [[rig.channel_id, ["1"]]]
    assert await delivery_counts(db, "tiktok") == {"processed": 1, "duplicate": 2}


async def test_bad_signatures_are_refused_and_only_a_rejection_is_recorded(
    settings: Settings, db: asyncpg.Connection, arq_pool: ArqRedis
) -> None:
    async with tiktok_rig(settings, db) as rig, app_client(rig.settings) as client:
        body = notification(rig.shop.shop_id, rig.state.put_order(rig.shop.shop_id, "1", "UNPAID"))
        good = webhook_headers(rig.state, body)
        assert await post(client, body, {**good, "Authorization": "0" * 64}) == 403
        assert await post(client, body, {"Content-Type": "application/json"}) == 401
        assert await post(client, body + b" ", good) == 403
        other = notification("unknown-shop", rig.state.put_order("unknown-shop", "9", "UNPAID"))
        assert await post(client, other, webhook_headers(rig.state, other)) == 404
        # signed but unreadable: kept as a dead letter and answered 200, not refused
        assert await post(client, b"[1]", webhook_headers(rig.state, b"[1]")) == 200
        assert await queued_fetches(arq_pool) == []
    assert await delivery_counts(db, "tiktok") == {"rejected": 4, "unreadable": 1}
    rows = await db.fetch("SELECT verified, headers FROM webhook_deliveries ORDER BY id")
    assert [r["verified"] for r in rows] == [False, False, False, True, True]
    assert all("authorization" not in {k.lower() for k in r["headers"]} for r in rows)
    assert await db.fetchval("SELECT count(*) FROM platform_orders") == 0


async def test_sync_pages_through_updated_orders_in_batches_of_50_and_backs_off_on_429(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    async with tiktok_rig(settings, db) as rig, app_client(rig.settings) as client:
        sid = rig.shop.shop_id
        for n in range(120):
            rig.state.put_order(sid, f"o{n:03}", "AWAITING_SHIPMENT", at=time.time() - 60 + n / 10)
        # one order also arrives by webhook: both paths agree, one row
        body = notification(sid, rig.state.orders[sid]["o007"])
        assert await post(client, body, webhook_headers(rig.state, body)) == 200
        await run_queued_fetches(rig, pool, arq_pool)
        rig.state.rate_limit_next = 2
        assert await tiktok_sync_shop_job(job_ctx(rig, pool, arq_pool), rig.channel_id) == 120
    assert await db.fetchval("SELECT count(DISTINCT external_order_id) FROM platform_orders") == 120
    assert await db.fetchval("SELECT count(*) FROM platform_orders") == 120
    details = [c for c in rig.state.calls if c == "GET /order/202309/orders"]
    assert len(details) == 1 + 3  # the webhook's read, then 50 + 50 + 20
    settings_row = await db.fetchval("SELECT settings FROM channels WHERE id = $1", rig.channel_id)
    assert settings_row["tiktok_synced_until"] > 0


async def test_sync_cron_and_a_refused_token_disconnects_the_shop(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    async with tiktok_rig(settings, db) as rig:
        ctx = job_ctx(rig, pool, arq_pool)
        assert await tiktok_sync_job(ctx) == 1
        assert [j.function for j in await arq_pool.queued_jobs()] == [jobs.TIKTOK_SYNC_SHOP]
        rig.state.rate_limit_next = 10
        with pytest.raises(Retry):
            await tiktok_sync_shop_job(ctx, rig.channel_id)
        rig.state.rate_limit_next = 0
        rig.shop.token = "revoked"
        assert await tiktok_sync_shop_job(ctx, rig.channel_id) == 0
    row = await db.fetchrow(
        "SELECT status, status_reason FROM channels WHERE id = $1", rig.channel_id
    )
    assert row["status"] == "disconnected"
    # the director reads it on the dashboard: in Vietnamese, and about a shop, not a Page
    assert row["status_reason"].startswith("TikTok Shop từ chối mã truy cập (token)")
    assert "kết nối lại cửa hàng" in row["status_reason"]
