"""The staff web app in a real browser (Debian chromium) at a phone's 360 × 740 viewport.

A staff member logs in and opens the queue; a packer claims the next order and packs it by
typing its number into the scan field, as a keyboard-wedge barcode scanner does (characters,
then Enter). Screenshots of each step go to test-artifacts/ (gitignored).
"""

from __future__ import annotations

from typing import Any

import asyncpg
from aiohttp.test_utils import TestServer

from aggregator.settings import Settings
from aggregator.web.app import create_app
from schema.enums import StaffRole
from tests.support.browser import fits_the_phone, log_in, open_menu, shot
from tests.support.factories import seed_shop
from tests.support.staff import add_order, add_staff


async def test_log_in_open_the_queue_claim_and_pack_by_scanning(
    settings: Settings, db: asyncpg.Connection, staff_browser: Any
) -> None:
    shop = await seed_shop(db)
    await add_order(db, shop, name="Nguyễn Thị <b>Lan</b>", phone="0912345678")
    order_id = await add_order(db, shop, status="confirmed", name="Trần Văn Hùng")
    order_no = await db.fetchval("SELECT order_no FROM orders WHERE id = $1", order_id)
    _, login = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    server = TestServer(create_app(settings))
    await server.start_server()
    try:
        base = str(server.make_url("")).rstrip("/")
        page = staff_browser
        await page.goto(f"{base}/don")  # not logged in: sent to the login page
        assert page.url.endswith("/dang-nhap")
        await fits_the_phone(page)
        await shot(page, "staff-1-login")
        await log_in(page, base, login)
        assert page.url.endswith("/don")
        assert "Nguyễn Thị <b>Lan</b>" in await page.inner_text("#orders")  # text, not markup
        await fits_the_phone(page)
        await shot(page, "staff-2-queue")
        await open_menu(page)
        async with page.expect_navigation():
            await page.click("#menu >> text=Đóng gói")
        async with page.expect_navigation():
            await page.click("#claim")
        assert page.url.endswith(f"/dong-goi/{order_id}")
        assert order_no in await page.inner_text("#order-no")
        await fits_the_phone(page)
        await shot(page, "staff-3-pick-list")
        await page.focus("#barcode")
        async with page.expect_navigation():
            await page.keyboard.type(order_no)
            await page.keyboard.press("Enter")
        assert "Đã đóng gói xong" in await page.inner_text("#notice")
        await shot(page, "staff-4-packed")
    finally:
        await server.close()
    assert await db.fetchval("SELECT status FROM orders WHERE id = $1", order_id) == "packed"
