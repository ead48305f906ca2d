"""Attacker-controlled text — a buyer's name and comments holding script tags and SQL fragments,
ingested like any comment — shows as text on the staff queue and order page (no script runs, no
dialog opens, no element is injected) and as the same characters on the packing slip PDF."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestServer
from arq.connections import ArqRedis

from aggregator.settings import Settings
from aggregator.shipping.slip_pdf import render_slips
from aggregator.shipping.slips import session_slips
from aggregator.web.app import create_app
from schema.enums import StaffRole
from tests.support.browser import log_in, phone_page, shot
from tests.support.confirmation import order_from_comments
from tests.support.factories import seed_shop
from tests.support.pdf import pdf_text
from tests.support.staff import add_staff

playwright_api = pytest.importorskip("playwright.async_api", reason="playwright is not installed")

AUTHOR = "<script>window.__xss=1;alert('xss')</script>"
COMMENT = 'chốt A01 <img src=x onerror="window.__xss=2;alert(2)"> \'); DROP TABLE orders; --'
RECIPIENT = "<svg onload=alert(3)>Lan\"'; DELETE FROM buyers; --"
PRODUCT = "Gạo <b onmouseover=alert(4)>ST25</b>"


@pytest.fixture
async def page() -> AsyncIterator[Any]:
    async with phone_page(playwright_api) as opened:
        yield opened


async def _no_injection(page: Any) -> None:
    injected = await page.evaluate(
        """() => ({
            xss: window.__xss === undefined ? null : window.__xss,
            inline: document.querySelectorAll('script:not([src])').length,
            handlers: document.querySelectorAll('[onerror],[onload],[onmouseover]').length,
            svg: document.querySelectorAll('svg[onload], img[src="x"]').length,
        })"""
    )
    assert injected == {"xss": None, "inline": 0, "handlers": 0, "svg": 0}


async def test_script_and_sql_in_names_and_comments_stay_text_everywhere(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis,
    page: Any,
) -> None:  # fmt: skip
    shop = await seed_shop(db)
    await db.execute("UPDATE products SET name = $1 WHERE id = $2", PRODUCT, shop.products["A01"])
    order_id = await order_from_comments(db, pool, arq_pool, shop, AUTHOR, COMMENT)
    await db.execute(
        "UPDATE orders SET recipient_name = $2, status = 'packing' WHERE id = $1",
        order_id, RECIPIENT,
    )  # fmt: skip
    stored = await db.fetchval("SELECT body FROM comments WHERE author_external_id = $1", AUTHOR)
    assert stored == COMMENT  # stored as written: bound parameters, never SQL text
    assert await db.fetchval("SELECT count(*) FROM orders") == 1
    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)

    dialogs: list[str] = []
    page.on(
        "dialog",
        lambda dialog: (dialogs.append(dialog.message), asyncio.ensure_future(dialog.dismiss())),
    )
    server = TestServer(create_app(settings))
    await server.start_server()
    try:
        base = str(server.make_url("")).rstrip("/")
        await log_in(page, base, login)
        await page.goto(f"{base}/don")
        await shot(page, "hostile-1-queue")
        await _no_injection(page)
        assert RECIPIENT in await page.inner_text("body")  # shown, as text
        await page.goto(f"{base}/don/{order_id}")
        await page.hover("body")
        await shot(page, "hostile-2-order")
        await _no_injection(page)
        text = await page.inner_text("body")
        assert "DROP TABLE orders" in text and "<img src=x" in text
    finally:
        await server.close()
    assert dialogs == []

    async with pool.acquire() as conn:
        slips = await session_slips(conn, shop.session_id)
    flat = pdf_text(render_slips(slips))
    assert (
        "Gạo <b onmouseover=alert(4)>ST25</b>" in flat
    )  # the product's name, character for character
    assert "<svg" in flat  # the masked recipient keeps its first characters, as text
    assert await db.fetchval("SELECT count(*) FROM buyers") >= 1
