"""The director's staff figures against real Postgres: per person and per live, orders confirmed
and packed (from the order event log), questions answered (the inbox's answered questions),
median claim -> packed and question -> answer, returns by cause; the CSV; robots named in
Vietnamese; other roles refused."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from aggregator.settings import Settings
from aggregator.web.app import create_app
from schema.enums import StaffRole
from tests.support.factories import seed_shop
from tests.support.staff import add_order, add_staff, log_in

Client = TestClient  # type: ignore[type-arg]
NOW = datetime.now(UTC)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_app(settings))) as test_client:
        yield test_client


async def _event(db: asyncpg.Connection, tenant: int, order: int, actor: str, to: str,
                 minutes_ago: float) -> None:  # fmt: skip
    await db.execute(
        "INSERT INTO order_events (tenant_id, order_id, actor, kind, to_status, at) "
        "VALUES ($1, $2, $3, 'status', $4, $5)",
        tenant, order, actor, to, NOW - timedelta(minutes=minutes_ago),
    )  # fmt: skip


async def test_figures_per_person_and_live_with_medians_and_csv(
    client: Client, db: asyncpg.Connection
) -> None:
    shop = await seed_shop(db)
    lan, lan_login = await add_staff(db, shop.tenant_id, StaffRole.STAFF, "lan")
    _director, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    t = shop.tenant_id
    for claim_to_pack in (4, 10, 6):  # minutes: median 6
        order = await add_order(db, shop, status="packed")
        await _event(db, t, order, f"staff:{lan}", "confirmed", 30)
        await _event(db, t, order, f"staff:{lan}", "packing", 20)
        await _event(db, t, order, f"staff:{lan}", "packed", 20 - claim_to_pack)
    robot = await add_order(db, shop, status="packed")
    await _event(db, t, robot, "staff:demo-packer", "packing", 9)
    await _event(db, t, robot, "staff:demo-packer", "packed", 8)
    await _event(db, t, robot, "buyer", "confirmed", 10)  # a buyer's own confirmation: nobody's
    comment = await db.fetchval(
        "INSERT INTO comments (tenant_id, platform, channel_external_id, external_id, "
        "channel_id, session_id, author_external_id, author_name, body, commented_at, intent) "
        "VALUES ($1, 'facebook', $2, 'q1', $3, $4, 'u9', 'Khách', 'giá bao nhiêu', $5, "
        "'question') RETURNING id",
        t, shop.page_id, shop.channel_id, shop.session_id, NOW - timedelta(minutes=5),
    )  # fmt: skip
    assert comment
    await db.execute(
        "INSERT INTO inbox_items (tenant_id, comment_id, session_id, live_id, channel_id, "
        "author_external_id, kind, status, asked_at, answer, answered_by, answered_at) "
        "SELECT $1, $2, s.id, s.live_id, $3, 'u9', 'price', 'answered', $4, 'Giá 180.000đ', $5, "
        "$6 FROM live_sessions s WHERE s.id = $7",
        t, comment, shop.channel_id, NOW - timedelta(minutes=5), lan, NOW - timedelta(minutes=2),
        shop.session_id,
    )  # fmt: skip
    delivered = await add_order(db, shop, status="delivered")
    await db.execute(
        "INSERT INTO returns (tenant_id, order_id, cause, status) VALUES ($1, $2, 'spoiled', "
        "'refused')", t, delivered,
    )  # fmt: skip
    await log_in(client, lan_login)
    assert (await client.get("/so-lieu-nhan-vien")).status == 403
    await log_in(client, login)
    html = await (await client.get("/so-lieu-nhan-vien")).text()
    assert "Chị lan" in html and "Người máy đóng gói (demo)" in html and "staff:" not in html
    assert "Live tối ·" in html and "Hàng bị hỏng, ôi, mốc" in html
    rows = list(csv.reader(io.StringIO((await (await client.get("/so-lieu-nhan-vien.csv")).read())
                                        .decode("utf-8-sig"))))  # fmt: skip
    people = {r[0]: r[1:] for r in rows[2 : rows.index([])]}
    assert people["Chị lan"] == ["3", "3", "1", "6,0 phút", "3,0 phút"]
    assert people["Người máy đóng gói (demo)"] == ["0", "1", "0", "1,0 phút", "–"]
    assert f"Chị {login}" not in people  # the director did nothing: no row
    causes = rows[rows.index(["Lý do trả hàng", "Số yêu cầu", "Bị từ chối", "Đã hoàn (đ)"]) + 1]
    assert causes == ["Hàng bị hỏng, ôi, mốc", "1", "1", "0"]
