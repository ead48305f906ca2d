"""The buyer's order page in a real browser (Debian chromium), at a phone's 360 × 740 viewport.

Open the link from the message, change a quantity, pick province then ward (the ward list is
loaded by the page's own script), confirm; an expired link shows its Vietnamese message.
Screenshots of each step go to test-artifacts/ (gitignored).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestServer
from arq.connections import ArqRedis

from aggregator.confirmation.links import link_key, order_link
from aggregator.core.links import sign_order_token
from aggregator.settings import Settings
from aggregator.web.app import create_app
from tests.support.browser import fits_the_phone, phone_page, shot
from tests.support.confirmation import confirmation_settings, order_from_comments, shop_with_origins

playwright_api = pytest.importorskip("playwright.async_api", reason="playwright is not installed")

HANOI, HOAN_KIEM = "1", "70"


@pytest.fixture
async def browser_page() -> AsyncIterator[Any]:
    async with phone_page(playwright_api) as page:
        yield page


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
    await page.check("#consent")  # the personal-data notice, read and agreed to
    await fits_the_phone(page)
    await shot(page, "buyer-2-filled")


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
        await fits_the_phone(page)
        await shot(page, "buyer-1-opened")
        await _fill_the_form(page, db, order_id)
        async with page.expect_navigation():
            await page.click("#confirm")
        assert "đã được xác nhận" in await page.inner_text("#notice")
        assert "240.000 ₫" in await page.inner_text("#total")  # 1 × 180.000 + 60.000
        assert "Nguyễn Thị <b>Lan</b>" in await page.inner_text("#delivery")  # shown, not markup
        await page.wait_for_selector("#vietqr img")
        await fits_the_phone(page)
        await shot(page, "buyer-3-confirmed")
        # The buyer's own data, from the same link: seen on a phone, erasure asked in one tap.
        async with page.expect_navigation():
            await page.click("#my-data")
        assert "Nguyễn Thị <b>Lan</b>" in await page.inner_text("#data-held")
        assert "0912345678" in await page.inner_text("#data-orders")
        assert "trên trang xác nhận đơn" in await page.inner_text("#data-consents")
        await fits_the_phone(page)
        await shot(page, "buyer-5-my-data")
        async with page.expect_navigation():
            await page.click("#erase")
        assert "Đã ghi nhận yêu cầu xoá" in await page.inner_text("#notice")
        assert "Đang chờ hợp tác xã xử lý" in await page.inner_text("#requests")
        expired = sign_order_token(link_key(own), order_id, 1_000)
        answer = await page.goto(f"{base}/o/{expired}")
        assert answer is not None and answer.status == 410
        assert "đã hết hạn" in await page.inner_text("#problem")
        await shot(page, "buyer-4-expired")
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
