"""The director's personal-data page in a real browser at 360 × 740: a buyer's erasure request
with its deadline, carried out in one tap; a breach recorded with its 72-hour clock; nothing
scrolls sideways."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from aiohttp.test_utils import TestServer

from aggregator.settings import Settings
from aggregator.web.app import create_app
from schema.enums import StaffRole
from tests.support.browser import fits_the_phone, log_in, shot
from tests.support.confirmation import confirmation_settings, shop_with_origins
from tests.support.staff import add_order, add_staff


async def test_the_director_erases_a_buyer_and_logs_a_breach_on_a_phone(
    settings: Settings, db: asyncpg.Connection, staff_browser: Any
) -> None:
    own = confirmation_settings(settings)
    shop = await shop_with_origins(db)
    order_id = await add_order(db, shop, status="delivered", name="Lê Thị Hoa", phone="0912345678")
    buyer = await db.fetchval("SELECT buyer_id FROM orders WHERE id = $1", order_id)
    request_id = await db.fetchval(
        "INSERT INTO privacy_requests (tenant_id, kind, phone_hint, buyer_ids, actor, status, "
        "source, order_id, due_at, at) VALUES ($1, 'erase', '********78', $2, 'buyer', 'open', "
        "'buyer_link', $3, $4, $5) RETURNING id", shop.tenant_id, [buyer], order_id,
        datetime.now(UTC) + timedelta(days=3), datetime.now(UTC) - timedelta(days=12),
    )  # fmt: skip
    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    server = TestServer(create_app(own))
    await server.start_server()
    try:
        base = str(server.make_url("")).rstrip("/")
        page = staff_browser
        await log_in(page, base, login)
        await page.goto(f"{base}/cai-dat/du-lieu-ca-nhan")
        assert "Còn" in await page.inner_text(f"#request-{request_id} .due")
        await fits_the_phone(page)
        await shot(page, "privacy-1-requests")
        async with page.expect_navigation():
            await page.click(f"#request-{request_id} .erase-now")
        assert "Đã xoá dữ liệu" in await page.inner_text("#notice")
        await page.fill("#description", "Điện thoại của kho bị mất, có danh sách đơn")
        await page.fill("#data_kinds", "số điện thoại, địa chỉ")
        async with page.expect_navigation():
            await page.click("#breach-form button")
        assert "giờ để báo cáo" in await page.inner_text("#breaches")
        await fits_the_phone(page)
        await shot(page, "privacy-2-breach")
        await page.goto(f"{base}/cai-dat/du-lieu-ca-nhan/nhat-ky")
        await fits_the_phone(page)
    finally:
        await server.close()
    assert await db.fetchval("SELECT display_name FROM buyers WHERE id = $1", buyer) == ""
    assert await db.fetchval("SELECT count(*) FROM data_breaches") == 1
