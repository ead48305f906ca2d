"""The order page's address fix in a real browser at 360 px: an order whose old address could not
be converted for certain shows the candidates; staff pick the 2025 ward and send it again."""

from __future__ import annotations

from typing import Any

import asyncpg
from aiohttp.test_utils import TestServer

from aggregator.settings import Settings
from aggregator.web.app import create_app
from schema.enums import StaffRole
from tests.support.browser import fits_the_phone, log_in, shot
from tests.support.factories import seed_shop
from tests.support.staff import add_order, add_staff

OLD_ADDRESS = "7 Kim Mã, Phường Đội Cấn, Quận Ba Đình, Hà Nội"


async def test_staff_choose_the_new_ward_of_a_split_old_ward(
    settings: Settings, db: asyncpg.Connection, staff_browser: Any
) -> None:
    shop = await seed_shop(db)
    order_id = await add_order(db, shop, status="needs_address", phone="0912345678")
    await db.execute(
        "UPDATE orders SET address_line = $2, recipient_phone = '0912345678' WHERE id = $1",
        order_id, OLD_ADDRESS,
    )  # fmt: skip
    await db.execute(
        "INSERT INTO order_events (tenant_id, order_id, actor, kind, from_status, to_status, "
        "reason) VALUES ($1, $2, 'system:address', 'status', 'packed', 'needs_address', $3)",
        shop.tenant_id, order_id, "Phường/xã cũ «Phường Đội Cấn» nay thuộc nhiều phường/xã mới",
    )  # fmt: skip
    _, login = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    server = TestServer(create_app(settings))
    await server.start_server()
    try:
        base = str(server.make_url("")).rstrip("/")
        page = staff_browser
        await log_in(page, base, login)
        await page.goto(f"{base}/don/{order_id}")
        assert "Cần sửa địa chỉ" in await page.inner_text("#status")
        candidates = await page.inner_text("#candidates")
        assert "Phường Ba Đình" in candidates and "Phường Ngọc Hà" in candidates
        assert await page.input_value("#fix-tinh") == "1"  # Hà Nội, from the old address
        assert await page.input_value("#fix-street") == "7 Kim Mã"
        await fits_the_phone(page)
        await shot(page, "address-fix-1-needs-address")
        await page.select_option("#fix-ward", label="Phường Ngọc Hà")
        async with page.expect_navigation():
            await page.click("#fix-submit")
        assert "Đã sửa địa chỉ" in await page.inner_text("#address-notice")
        assert "Đã đóng gói" in await page.inner_text("#status")
        assert "7 Kim Mã, Phường Ngọc Hà, Thành phố Hà Nội" in await page.inner_text("#deliver-to")
        await fits_the_phone(page)
        await shot(page, "address-fix-2-sent-again")
    finally:
        await server.close()
    row = await db.fetchrow("SELECT status, ward_code, address_line FROM orders WHERE id = $1",
                            order_id)  # fmt: skip
    assert (row["status"], row["address_line"]) == ("packed", "7 Kim Mã")
    assert row["ward_code"] == "8"  # Phường Ngọc Hà in the 2025 list
