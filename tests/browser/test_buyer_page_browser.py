"""The buyer's order page in a real browser (Debian chromium), at a phone's 360 × 740 viewport.

Open the link from the message, change a quantity, pick province then ward (the ward list is
loaded by the page's own script), confirm; an expired link shows its Vietnamese message.
Screenshots of each step go to test-artifacts/ (gitignored).
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestServer
from arq.connections import ArqRedis

from aggregator.confirmation.links import link_key, order_link
from aggregator.core.links import sign_order_token
from aggregator.settings import Settings
from aggregator.web.app import create_app
from tests.support.confirmation import confirmation_settings, order_from_comments, shop_with_origins

playwright_api = pytest.importorskip("playwright.async_api", reason="playwright is not installed")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 360, "height": 740}
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]  # fmt: skip
HANOI, HOAN_KIEM = "1", "70"


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    if found is None:
        pytest.skip("no chromium on this machine (apt-get install chromium; .ci/run does it)")
    return found


@pytest.fixture
async def browser_page() -> AsyncIterator[Any]:
    executable = _chromium()
    async with playwright_api.async_playwright() as driver:
        browser = await driver.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        context = await browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True)
        try:
            yield await context.new_page()
        finally:
            await context.close()
            await browser.close()


async def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"buyer-{name}.png"), full_page=True)


async def _fits_the_phone(page: Any) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways: {width}px wide"


async def _fill_the_form(page: Any, db: asyncpg.Connection, order_id: int) -> None:
    """One unit of rice instead of two, the recipient, Hà Nội then a ward, VietQR."""
    line = await db.fetchval(
        "SELECT id FROM order_items WHERE order_id = $1 AND code = 'A01'", order_id
    )
    await page.fill(f"#qty-{line}", "1")
    await page.fill("#name", "Nguyễn Thị <b>Lan</b>")
    await page.fill("#phone", "0912 345 678")
    await page.select_option("#province", HANOI)
    await page.wait_for_selector(f'#ward option[value="{HOAN_KIEM}"]', state="attached")
    await page.select_option("#ward", HOAN_KIEM)
    await page.fill("#address", "Số 5 ngõ 12 phố Hàng Bông")
    await page.check("#pay-vietqr")
    await _fits_the_phone(page)
    await _shot(page, "2-filled")


async def test_a_buyer_confirms_on_a_phone(
    settings: Settings,
    db: asyncpg.Connection,
    pool: asyncpg.Pool,
    arq_pool: ArqRedis,
    browser_page: Any,
) -> None:
    shop = await shop_with_origins(db, stock={"A01": 5})
    order_id = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01 x2, 1 nem")
    server = TestServer(create_app(confirmation_settings(settings)))
    await server.start_server()
    try:
        base = str(server.make_url("")).rstrip("/")
        own = confirmation_settings(settings, public_url=base)
        page = browser_page
        await page.goto(order_link(own, order_id))
        await page.wait_for_selector("#confirm")
        assert "420.000 ₫" in await page.inner_text("#total")
        await _fits_the_phone(page)
        await _shot(page, "1-opened")
        await _fill_the_form(page, db, order_id)
        async with page.expect_navigation():
            await page.click("#confirm")
        assert "đã được xác nhận" in await page.inner_text("#notice")
        assert "240.000 ₫" in await page.inner_text("#total")  # 1 × 180.000 + 60.000
        assert "Nguyễn Thị <b>Lan</b>" in await page.inner_text("#delivery")  # shown, not markup
        await page.wait_for_selector("#vietqr img")
        await _fits_the_phone(page)
        await _shot(page, "3-confirmed")
        expired = sign_order_token(link_key(own), order_id, 1_000)
        answer = await page.goto(f"{base}/o/{expired}")
        assert answer is not None and answer.status == 410
        assert "đã hết hạn" in await page.inner_text("#problem")
        await _shot(page, "4-expired")
    finally:
        await server.close()
    row = await db.fetchrow("SELECT * FROM orders WHERE id = $1", order_id)
    assert (row["status"], row["ward_code"], row["recipient_phone"]) == (
        "confirmed", HOAN_KIEM, "0912345678",
    )  # fmt: skip
    assert row["payment_method"] == "vietqr" and row["total_vnd"] == 240_000
    assert (
        await db.fetchval(
            "SELECT qty FROM order_items WHERE order_id = $1 AND code = 'A01'", order_id
        )
        == 1
    )
