"""Issue 20 in a real browser (Debian chromium) at 360 × 740: no staff page and not the buyer page
scrolls sideways (document scrollWidth), the phone menu folds into one row and opens, and
axe-core (vendored under tests/vendor, injected by the test, never served) finds no serious or
critical accessibility violation on the buyer page, the packing screens and the dashboard."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestServer
from arq.connections import ArqRedis

from aggregator.confirmation.links import order_link
from aggregator.settings import Settings
from aggregator.web.app import create_app
from schema.enums import StaffRole
from tests.support.browser import PHONE, log_in, phone_page, shot
from tests.support.confirmation import confirmation_settings, order_from_comments, shop_with_origins
from tests.support.screens import (
    WITH_QUERY,
    foreign_words,
    ids,
    page_routes,
    rich_shop,
    visible_text,
)
from tests.support.staff import add_staff

playwright_api = pytest.importorskip("playwright.async_api", reason="playwright is not installed")
AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
WIDTH = "document.documentElement.scrollWidth"


async def _world(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> tuple[Settings, str, str]:
    """(settings, a director's login, a buyer's link path) over real orders of two shops."""
    own = confirmation_settings(settings)
    buyer_shop = await shop_with_origins(db, stock={"A01": 5})
    order_id = await order_from_comments(db, pool, arq_pool, buyer_shop, "fb-1", "chốt A01 x2")
    shop = await rich_shop(db)
    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR, login="giamdoc")
    link = order_link(own, order_id)
    return own, login, "/" + link.split("/", 3)[3]


async def test_no_page_scrolls_sideways_at_360_px(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    own, login, buyer_path = await _world(settings, db, pool, arq_pool)
    app = create_app(own)
    server = TestServer(app)
    await server.start_server()
    known = await ids(db, await db.fetchval("SELECT tenant_id FROM staff WHERE login = 'giamdoc'"))
    try:
        base = str(server.make_url("")).rstrip("/")
        async with phone_page(playwright_api) as page:
            await page.goto(base + buyer_path)
            widths = {"buyer page": await page.evaluate(WIDTH)}
            buyer_words = foreign_words(visible_text(await page.content()))
            await shot(page, "screens-buyer")
            await log_in(page, base, login)
            menu_height = await page.evaluate("document.querySelector('.bar').offsetHeight")
            await page.click("#menu-button")
            assert await page.is_visible("#nav-dashboard")
            await shot(page, "screens-menu-open")
            for path in [*page_routes(app), *WITH_QUERY]:
                for i in known.get(path, [None]) if "{" in path else [None]:
                    url = path.replace("{id}", str(i)) if i is not None else path
                    if "{" in url:
                        continue
                    answer = await page.goto(base + url)
                    assert answer.status in (200, 403), f"{url}: {answer.status}"
                    widths[url] = await page.evaluate(WIDTH)
                    await shot(page, "screens" + re.sub(r"[/?&=]", "-", url))
    finally:
        await server.close()
    assert buyer_words == [], buyer_words
    assert menu_height < 60, f"the closed menu takes {menu_height}px: more than one row"
    assert len(widths) >= 20
    wide = {url: w for url, w in widths.items() if w > PHONE["width"]}
    assert wide == {}, f"pages wider than {PHONE['width']}px: {wide}"


async def _violations(page: Any) -> list[str]:
    await page.add_script_tag(path=str(AXE))
    found = await page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    return list(found)


async def test_no_serious_accessibility_violations(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    own, login, buyer_path = await _world(settings, db, pool, arq_pool)
    server = TestServer(create_app(own))
    await server.start_server()
    packing = (
        await ids(db, await db.fetchval("SELECT tenant_id FROM staff WHERE login = 'giamdoc'"))
    )["/dong-goi/{id}"][0]
    found: dict[str, list[str]] = {}
    try:
        base = str(server.make_url("")).rstrip("/")
        async with phone_page(playwright_api, bypass_csp=True) as page:
            await page.goto(base + buyer_path)
            found["buyer page"] = await _violations(page)
            await log_in(page, base, login)
            for url in ("/dong-goi", f"/dong-goi/{packing}", "/bang-dieu-khien", "/don"):
                await page.goto(base + url)
                found[url] = await _violations(page)
    finally:
        await server.close()
    assert {url: v for url, v in found.items() if v} == {}
