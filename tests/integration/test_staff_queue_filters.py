"""The order queue's platform and risk filters; the SQL risk level agrees with the pure one."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from aggregator.core.risk import risk_level
from aggregator.settings import Settings
from aggregator.web.app import create_app
from schema.enums import StaffRole
from tests.support.factories import seed_shop
from tests.support.staff import add_order, add_staff, log_in

Client = TestClient  # type: ignore[type-arg]


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_app(settings))) as test_client:
        yield test_client


async def test_sql_risk_level_matches_the_pure_rule(db: asyncpg.Connection) -> None:
    rows = await db.fetch(
        "SELECT d, r, chotdon_risk_level(d, r) AS level "
        "FROM generate_series(0, 12) d CROSS JOIN generate_series(0, 12) r"
    )
    assert len(rows) == 169
    assert [(r["d"], r["r"], r["level"]) for r in rows] == [
        (r["d"], r["r"], int(risk_level(r["d"], r["r"]))) for r in rows
    ]


async def test_queue_filters_by_platform_and_risk(client: Client, db: asyncpg.Connection) -> None:
    shop = await seed_shop(db)
    fresh = await add_order(db, shop, name="Khách Mới")
    bomber = await add_order(db, shop, name="Khách Bom", phone="0911111111")
    await db.execute(
        "UPDATE buyers SET returned_count = 3 WHERE phone = '0911111111' AND tenant_id = $1",
        shop.tenant_id,
    )
    # A new account whose recipient phone is the bomber's counts the bomber's record too.
    alias = await add_order(db, shop, name="Tên Khác")
    await db.execute("UPDATE orders SET recipient_phone = '0911111111' WHERE id = $1", alias)
    tiktok = await db.fetchval(
        "INSERT INTO channels (tenant_id, platform, external_id, name) "
        "VALUES ($1, 'tiktok', 'tt-filter', 'Shop TikTok') RETURNING id",
        shop.tenant_id,
    )
    live = await db.fetchval(
        "INSERT INTO live_sessions (tenant_id, channel_id, external_live_id, title) "
        "VALUES ($1, $2, 'tt1', 'Live TikTok') RETURNING id",
        shop.tenant_id, tiktok,
    )  # fmt: skip
    medium = await add_order(db, shop, name="Khách TikTok")
    await db.execute("UPDATE orders SET session_id = $2 WHERE id = $1", medium, live)
    await db.execute(
        "UPDATE buyers SET delivered_count = 2, returned_count = 1 "
        "WHERE id = (SELECT buyer_id FROM orders WHERE id = $1)",
        medium,
    )
    _, login = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    await log_in(client, login)

    async def listed(**params: str) -> set[int]:
        html = await (await client.get("/don", params=params)).text()
        return {o for o in (fresh, bomber, alias, medium) if f'"/don/{o}"' in html}

    assert await listed() == {fresh, bomber, alias, medium}
    assert await listed(platform="tiktok") == {medium}
    assert await listed(platform="facebook") == {fresh, bomber, alias}
    assert await listed(risk="medium") == {bomber, alias, medium}
    assert await listed(risk="blocked") == {bomber, alias}
    assert await listed(platform="facebook", risk="medium") == {bomber, alias}
    assert await listed(platform="myspace", risk="huh") == {fresh, bomber, alias, medium}
    page = await (await client.get("/don", params={"risk": "blocked"})).text()
    assert "Hay bom hàng" in page and '<option value="blocked" selected>' in page
