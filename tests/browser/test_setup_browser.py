"""The director's catalogue and live setup in a real browser (Debian chromium) at 360 × 740.

A director adds a product (with a bad price first, to see the Vietnamese message), uploads its
photo (as heavy as a phone's, shrunk on the way), then starts a live showing it with stock and a
free-shipping promotion, and raises its stock mid-live. Screenshots of each step go to
test-artifacts/ (gitignored).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import asyncpg
from aiohttp.test_utils import TestServer
from PIL import Image

from aggregator.settings import Settings
from aggregator.web.app import create_app
from schema.enums import StaffRole
from tests.support.browser import fits_the_phone, log_in, open_menu, shot
from tests.support.factories import seed_shop
from tests.support.staff import add_staff


def _phone_photo(width: int, height: int) -> bytes:
    """A photo as heavy as a phone's (noise does not compress), several MB of JPEG."""
    out = io.BytesIO()
    Image.effect_noise((width, height), 60).convert("RGB").save(out, "JPEG", quality=95)
    return out.getvalue()


async def _submit(page: Any, selector: str) -> None:
    async with page.expect_navigation():
        await page.click(selector)


async def test_a_director_adds_a_product_and_starts_a_live_on_a_phone(
    settings: Settings, db: asyncpg.Connection, director_browser: Any, tmp_path: Path
) -> None:
    shop = await seed_shop(db)
    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    photo = tmp_path / "vai-thieu.jpg"
    photo.write_bytes(_phone_photo(3000, 2000))
    server = TestServer(create_app(settings))
    await server.start_server()
    try:
        base = str(server.make_url("")).rstrip("/")
        page = director_browser
        await log_in(page, base, login)
        await open_menu(page)
        await _submit(page, "#menu >> text=Sản phẩm")
        await fits_the_phone(page)
        await shot(page, "setup-1-products")
        await _submit(page, "#new-product")
        await page.fill("#f-code", "V01")
        await page.fill("#f-name", "Vải thiều Thanh Hà loại 1")
        await page.fill("#f-price_vnd", "85 nghìn")
        await page.fill("#f-aliases", "vải thiều, vải TH")
        await page.fill("#f-weight_g", "1000")
        await page.select_option("#f-ocop_stars", "4")
        await page.fill("#f-certificate_no", "OCOP-HD-2024-031")
        await _submit(page, "#save-product")
        assert "Giá là số tiền VND" in await page.inner_text("#e-price_vnd")
        await fits_the_phone(page)
        await shot(page, "setup-2-product-error")
        await page.fill("#f-price_vnd", "85.000")
        await _submit(page, "#save-product")
        assert "Đã thêm sản phẩm." in await page.inner_text("#notice")
        await page.set_input_files("#photo", str(photo))
        await _submit(page, "#save-photo")
        assert "Đã lưu ảnh sản phẩm." in await page.inner_text("#notice")
        assert await page.evaluate("document.querySelector('.product-photo').naturalWidth") == 1200
        await fits_the_phone(page)
        await shot(page, "setup-3-product-saved")
        await open_menu(page)
        await _submit(page, "#menu >> text=Sản phẩm")
        assert await page.locator("#products img").count() == 1
        await shot(page, "setup-3b-products-with-photo")
        await open_menu(page)
        await _submit(page, "#menu >> text=Phiên live")
        await page.fill("#title", "Live vải thiều sáng Chủ nhật")
        await page.check(f"input[name=channel][value='{shop.channel_id}']")
        await page.fill("#qty-V01", "40")
        await page.fill("#qty-A01", "10")
        await page.select_option("#promo_kind", "free_ship")
        await page.fill("#promo_min", "2")
        await fits_the_phone(page)
        await shot(page, "setup-4-start-form")
        await _submit(page, "#start-live")
        assert "Buổi live đã bắt đầu." in await page.inner_text("#notice")
        assert "Vải thiều Thanh Hà loại 1" in await page.inner_text("#stock")
        assert await page.input_value("#stock-V01") == "40"
        assert "Miễn phí giao hàng cho đơn từ 2 sản phẩm" in await page.inner_text("#promotion")
        await fits_the_phone(page)
        await shot(page, "setup-5-live-started")
        await page.fill("#stock-V01", "60")  # more boxes arrived during the live
        await _submit(page, "#save-stock")
        assert "Đã cập nhật số lượng." in await page.inner_text("#notice")
        assert await page.input_value("#stock-V01") == "60"
    finally:
        await server.close()
    live = await db.fetchrow(
        "SELECT status, promotion FROM lives WHERE tenant_id = $1 AND title = $2",
        shop.tenant_id, "Live vải thiều sáng Chủ nhật",
    )  # fmt: skip
    assert live["status"] == "live" and live["promotion"]["kind"] == "free_ship"
