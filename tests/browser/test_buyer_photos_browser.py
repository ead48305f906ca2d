"""Product photos and variant prices on the buyer's order page, in chromium at 360 px (issue 20):
each line shows its product's picture (loaded, not a broken image), the variant's own price, the
OCOP stars in a colour that passes AA contrast, and nothing scrolls sideways."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestServer
from arq.connections import ArqRedis

from aggregator.confirmation.links import order_link
from aggregator.settings import Settings
from aggregator.tools.demo.photos import product_tile
from aggregator.web.app import create_app
from tests.support.browser import fits_the_phone, phone_page, shot
from tests.support.confirmation import confirmation_settings, order_from_comments, shop_with_origins

playwright_api = pytest.importorskip("playwright.async_api", reason="playwright is not installed")

CONTRAST = """(el) => {
  const rgb = (s) => s.match(/\\d+/g).slice(0, 3).map(Number);
  const lum = (c) => { const [r, g, b] = c.map((v) => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const colour = (e) => getComputedStyle(e).backgroundColor;
  let bg = el;
  while (colour(bg) === "rgba(0, 0, 0, 0)") bg = bg.parentElement;
  const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(rgb(colour(bg)))];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


@pytest.fixture
async def browser_page() -> AsyncIterator[Any]:
    async with phone_page(playwright_api) as page:
        yield page


async def test_a_buyer_sees_photos_and_variant_prices_on_a_phone(
    settings: Settings,
    db: asyncpg.Connection,
    pool: asyncpg.Pool,
    arq_pool: ArqRedis,
    browser_page: Any,
) -> None:
    shop = await shop_with_origins(db, stock={"A01": 5})
    honey = shop.products["M02"]
    await db.execute(
        "UPDATE product_variants SET price_vnd = 1280000 WHERE product_id = $1 AND name = '1l'",
        honey,
    )
    await db.execute(
        "INSERT INTO live_stock (tenant_id, live_id, product_id, variant, quantity) "
        "VALUES ($1, $2, $3, '1l', 20)",
        shop.tenant_id, shop.live, honey,
    )  # fmt: skip
    for code in ("A01", "M02"):
        content_type, data = product_tile(code, code)
        await db.execute(
            "INSERT INTO product_photos (product_id, tenant_id, content_type, data) "
            "VALUES ($1, $2, $3, $4)",
            shop.products[code], shop.tenant_id, content_type, data,
        )  # fmt: skip
    order_id = await order_from_comments(
        db, pool, arq_pool, shop, "lan", "chốt A01 x2", "mật ong 1l x12", "1 nem"
    )
    server = TestServer(create_app(confirmation_settings(settings)))
    await server.start_server()
    try:
        base = str(server.make_url("")).rstrip("/")
        page = browser_page
        await page.goto(order_link(confirmation_settings(settings, public_url=base), order_id))
        await page.wait_for_selector("#confirm")
        photos = await page.eval_on_selector_all(
            "img.line-photo", "(imgs) => imgs.map((i) => [i.alt, i.complete && i.naturalWidth])"
        )
        assert sorted(photos) == [["Ảnh Gạo ST25 túi 5kg", 320], ["Ảnh Mật ong hoa nhãn", 320]]
        text = await page.inner_text(".lines")
        assert "Mật ong hoa nhãn (1l)" in text and "1.280.000 ₫" in text and "15.360.000 ₫" in text
        assert await page.locator("li.line:not(.with-photo)").count() == 1  # nem: no photo
        for ratio in await page.eval_on_selector_all(".ocop", f"(els) => els.map({CONTRAST})"):
            assert ratio >= 4.5
        await fits_the_phone(page)
        await shot(page, "buyer-photos")
    finally:
        await server.close()
