"""Confirming an order by phone and the "Cần gửi tay" list in a real browser at 360 × 740: the
ward list follows the province (the buyer page's script), nothing scrolls sideways, and the
buyer's link and a message to send by hand sit next to their copy buttons."""

from __future__ import annotations

from typing import Any

import asyncpg
from aiohttp.test_utils import TestServer
from arq.connections import ArqRedis

from aggregator.confirmation.messages import MessageKind, send_order_message
from aggregator.settings import Settings
from aggregator.web.app import create_app
from schema.enums import StaffRole
from tests.support.browser import fits_the_phone, log_in, shot
from tests.support.confirmation import confirmation_settings, order_from_comments, shop_with_origins
from tests.support.staff import add_staff
from workers.context import outbound_routers

HANOI, HOAN_KIEM = "1", "70"


async def test_staff_confirm_a_relay_buyer_by_phone_on_a_phone(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis,
    staff_browser: Any,
) -> None:  # fmt: skip
    own = confirmation_settings(settings)
    shop = await shop_with_origins(db, stock={"A01": 5})
    order_id = await order_from_comments(db, pool, arq_pool, shop, "tt-viewer", "chốt A01 x2")
    await db.execute("UPDATE channels SET platform = 'relay' WHERE id = $1", shop.channel_id)
    await send_order_message(pool, arq_pool, own, outbound_routers(), order_id, MessageKind.SUMMARY)
    _, login = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    server = TestServer(create_app(own))
    await server.start_server()
    try:
        base = str(server.make_url("")).rstrip("/")
        page = staff_browser
        await log_in(page, base, login)
        await page.goto(f"{base}/gui-tay")
        assert "/o/" in await page.input_value("textarea")
        await fits_the_phone(page)
        await shot(page, "staff-5-by-hand")
        await page.goto(f"{base}/don/{order_id}")
        assert "/o/" in await page.input_value("#buyer-link")
        await page.fill("#name", "Trần Thị Lan")
        await page.fill("#phone", "0912 345 678")
        await page.select_option("#province", HANOI)
        await page.wait_for_selector(f'#ward option[value="{HOAN_KIEM}"]', state="attached")
        await page.select_option("#ward", HOAN_KIEM)
        await page.fill("#address", "Số 5 Hàng Bài")
        await page.check("#consent")  # the buyer heard the personal-data notice and agreed
        await fits_the_phone(page)
        await shot(page, "staff-6-phone-confirm")
        async with page.expect_navigation():
            await page.click("#confirm")
        assert "Đã xác nhận đơn" in await page.inner_text("#notice")
    finally:
        await server.close()
    row = await db.fetchrow("SELECT status, ward_code FROM orders WHERE id = $1", order_id)
    assert tuple(row) == ("confirmed", HOAN_KIEM)
