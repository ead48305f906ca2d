"""A new director sets chotdon up on a phone (Debian chromium, 360 × 740): the first page of an
empty installation, then every settings page, none scrolling sideways; then a host's pages.
Screenshots go to test-artifacts/ (gitignored)."""

from __future__ import annotations

from typing import Any

import asyncpg
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from aggregator.settings import Settings
from aggregator.staff.host import add_host
from aggregator.web.app import create_app
from tests.support.browser import fits_the_phone, shot
from tests.support.staff import PASSWORD

FIELDS = {
    "#f-name": "Hợp tác xã Nông nghiệp Dịch vụ Tổng hợp Mật ong Tam Đảo",
    "#f-tax_code": "2500123456",
    "#f-street": "Thôn Đồng Bùa, đường tỉnh 302", "#f-ward": "Xã Tam Đảo",
    "#f-phone": "0912345678", "#f-director_name": "Nguyễn Văn Hùng", "#f-login": "hung.tamdao",
    "#f-password": "ong-mat-2026!", "#f-password2": "ong-mat-2026!",
}  # fmt: skip
SETTINGS_PAGES = ("#to-profile", "#to-bank", "#to-couriers", "#to-fees", "#to-messages")


async def _submit(page: Any, selector: str) -> None:
    async with page.expect_navigation():
        await page.click(selector)


async def test_a_director_sets_up_a_fresh_installation_on_a_phone(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, director_browser: Any
) -> None:
    own = settings.model_copy(update={"app_secret": SecretStr("app-secret-for-tests-0123456789")})
    server = TestServer(create_app(own))
    await server.start_server()
    try:
        base, page = str(server.make_url("")).rstrip("/"), director_browser
        await page.goto(f"{base}/")
        assert page.url.endswith("/thiet-lap")
        await fits_the_phone(page)
        for selector, value in FIELDS.items():
            await page.fill(selector, value)
        await page.select_option("#f-province", "Phú Thọ")
        await shot(page, "first-run-1-form")
        await _submit(page, "#create")
        assert "Đã tạo hợp tác xã" in await page.inner_text("#notice")
        await fits_the_phone(page)
        await shot(page, "first-run-2-settings")
        for link in SETTINGS_PAGES:
            await _submit(page, link)
            await fits_the_phone(page)
            await shot(page, f"first-run-3{link.removeprefix('#to-')}")
            await page.go_back()
        await _submit(page, "#to-couriers")
        await page.fill("#token-ghn", "ghn-token-of-tam-dao-abcdef")
        await page.fill("#shop-ghn", "4410")
        await page.fill("#hook-ghn", "ghn-hook-tamdao")
        await _submit(page, "#save-ghn")
        assert "không hiện lại" in await page.inner_text("#notice")
        assert "ghn-token-of-tam-dao" not in await page.content()
        await fits_the_phone(page)
        await shot(page, "first-run-4-couriers-saved")
        await add_host(pool, "vanhanh", "Người vận hành", PASSWORD)
        await page.goto(f"{base}/may-chu/dang-nhap")
        await page.fill("#login", "vanhanh")
        await page.fill("#password", PASSWORD)
        await _submit(page, "#submit")
        assert "Mật ong Tam Đảo" in await page.inner_text("main")
        await fits_the_phone(page)
        await shot(page, "first-run-5-host")
        await _submit(page, "#to-new")
        await fits_the_phone(page)
    finally:
        await server.close()
