"""A return in a real browser (Debian chromium) at a phone's 360 × 740 viewport: the buyer opens
it from the order page with a photo from the phone; a director accepts it (GHN pickup booked in
the simulator), records the arrival back to stock, the refund with the buyer's VietQR, and that
the transfer was sent; the buyer then reads that the money went back. No page scrolls sideways.
Screenshots of each step go to test-artifacts/ (gitignored)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestServer

from aggregator.confirmation.links import order_token
from aggregator.settings import Settings
from aggregator.web.app import create_app
from schema.enums import Courier, StaffRole
from tests.support.browser import fits_the_phone, log_in, shot
from tests.support.confirmation import confirmation_settings
from tests.support.factories import seed_shop
from tests.support.returns import delivered_order, phone_photo
from tests.support.shipping import SENDER, courier_settings, running_simulator
from tests.support.staff import add_staff

pytest.importorskip("playwright.async_api", reason="playwright is not installed")


async def _buyer_asks(page: Any, base: str, token: str, photo: Path) -> None:
    await page.goto(f"{base}/o/{token}")
    await fits_the_phone(page)
    async with page.expect_navigation():
        await page.click("#return-link")
    await page.check("#cause-damaged")
    await page.fill("#note", "Túi gạo bị rách, gạo đổ ra ngoài")
    await page.set_input_files("#photo", str(photo))
    assert await page.inner_text("#photo-count") == "Đã chọn 1 ảnh"
    await page.select_option("#bank", "970436")
    await page.fill("#account_no", "0011001234567")
    await page.fill("#account_name", "Nguyễn Thị Lan")
    await fits_the_phone(page)
    await shot(page, "return-1-buyer-form")
    async with page.expect_navigation():
        await page.click("#send-return")
    assert "Đã gửi yêu cầu trả hàng" in await page.inner_text("#notice")
    assert "Chờ shop xem xét" in await page.inner_text("#return-status")
    await fits_the_phone(page)


async def _staff_click(page: Any, selector: str, name: str) -> None:
    async with page.expect_navigation():
        await page.click(selector)
    await fits_the_phone(page)
    await shot(page, name)


async def _director_settles(page: Any, base: str, login: str, return_id: int) -> None:
    await log_in(page, base, login)
    await page.goto(f"{base}/doi-tra")
    await fits_the_phone(page)
    await _staff_click(page, f"#return-{return_id}", "return-2-staff-opens")
    assert await page.eval_on_selector("#photos img", "img => img.naturalWidth") > 0
    await page.check("#send-pickup")
    await _staff_click(page, "#accept", "return-3-accepted")
    assert "Đã đặt hãng vận chuyển" in await page.inner_text("#notice")
    assert (await page.inner_text("#pickup-tracking")).startswith("GHN")
    await _staff_click(page, "#receive", "return-4-received")
    assert "đã nhập lại kho" in await page.inner_text("#lines")
    assert await page.input_value("#refund-amount") == "360000"
    await _staff_click(page, "#record-refund", "return-5-refund-owed")
    assert await page.eval_on_selector("#refund-qr img", "img => img.naturalWidth") > 0
    await _staff_click(page, "#settle", "return-6-refunded")
    assert "Đã hoàn tiền" in await page.inner_text("#return-status")
    for path, name in (("/doi-tra?trang_thai=refunded", "return-8-list"),
                       ("/so-lieu-nhan-vien", "return-9-staff-figures")):  # fmt: skip
        await page.goto(f"{base}{path}")
        await fits_the_phone(page)
        await shot(page, name)
    assert "Hàng bị dập, vỡ khi giao" in await page.inner_text("#causes")


async def test_a_return_from_the_buyer_page_to_refund_and_restock(
    settings: Settings, db: asyncpg.Connection, staff_browser: Any, tmp_path: Path
) -> None:
    shop = await seed_shop(db, stock={"A01": 10})
    await db.execute(
        "UPDATE tenants SET settings = jsonb_build_object('sender', $2::jsonb) WHERE id = $1",
        shop.tenant_id, SENDER,
    )  # fmt: skip
    order_id = await delivered_order(db, shop)
    _, director = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    photo = tmp_path / "IMG_0001.jpg"
    photo.write_bytes(phone_photo())
    async with running_simulator() as sim:
        own = courier_settings(confirmation_settings(settings), sim)
        server = TestServer(create_app(own))
        await server.start_server()
        try:
            base = str(server.make_url("")).rstrip("/")
            page = staff_browser
            await _buyer_asks(page, base, order_token(own, order_id), photo)
            return_id = await db.fetchval("SELECT id FROM returns WHERE order_id = $1", order_id)
            await _director_settles(page, base, director, return_id)
            order_no = await db.fetchval("SELECT order_no FROM orders WHERE id = $1", order_id)
            assert sim.find(Courier.GHN, f"{order_no}-TH") is not None
            await page.goto(f"{base}/o/{order_token(own, order_id)}/doi-tra")
            assert "đã chuyển" in await page.inner_text("#refund")
            await fits_the_phone(page)
            await shot(page, "return-7-buyer-sees-refund")
        finally:
            await server.close()
    stock = await db.fetchval("SELECT quantity FROM live_stock WHERE live_id = $1", shop.live)
    assert stock == 12
    assert (
        await db.fetchval("SELECT status FROM refunds WHERE order_id = $1", order_id) == "settled"
    )
