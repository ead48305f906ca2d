"""The director's live dashboard in a real browser (Debian chromium) at a 360 × 740 viewport.

A director logs in and opens the dashboard while two lives run (Facebook and TikTok); comments are
fed through the ingest pipeline and merged while the page stays open, and the orders count on the
page rises without a reload (static/dashboard.js writes the changed figures the stream sends).
Screenshots go to test-artifacts/: dashboard-1-open.png, dashboard-2-rising.png,
dashboard-3-sold-out.png (the one the README uses).
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiohttp.test_utils import TestServer
from arq.connections import ArqRedis

from aggregator.ingest.pipeline import Ingestor
from aggregator.orders.merge import merge_session
from aggregator.settings import Settings
from aggregator.web.app import create_app
from schema.enums import Platform, StaffRole
from schema.events import CommentEvent
from tests.support.browser import fits_the_phone, log_in, shot
from tests.support.factories import Shop, seed_shop
from tests.support.staff import add_staff

_ids = itertools.count(1)


async def tiktok_live(db: asyncpg.Connection, shop: Shop) -> int:
    """A TikTok live of the same cooperative, its comments coming through the relay."""
    channel = await db.fetchval(
        "INSERT INTO channels (tenant_id, platform, external_id, name) "
        "VALUES ($1, 'tiktok', 'shop-tb', 'TikTok Shop HTX') RETURNING id",
        shop.tenant_id,
    )
    return int(
        await db.fetchval(
            "INSERT INTO live_sessions (tenant_id, channel_id, external_live_id, title, "
            "started_at) VALUES ($1, $2, 'tt-live', 'Live TikTok trưa', "
            "now() - interval '8 minutes') RETURNING id",
            shop.tenant_id,
            channel,
        )
    )


def tiktok_comment(text: str, author: str) -> CommentEvent:
    return CommentEvent(
        platform=Platform.TIKTOK, channel_external_id="shop-tb", external_id=f"tt{next(_ids)}",
        external_live_id="tt-live", author_external_id=author, author_name=f"Khách {author}",
        text=text, commented_at=datetime.now(UTC),
    )  # fmt: skip


async def feed(
    pool: asyncpg.Pool, arq: ArqRedis, sessions: list[int], events: list[CommentEvent]
) -> None:
    async with Ingestor(pool, arq) as ingestor:
        await ingestor.submit_many(events)
    for session_id in sessions:
        await merge_session(pool, session_id)


async def orders_shown(page: Any, live_id: int, count: int) -> None:
    """Wait until the live's panel shows `count` orders (the page is never reloaded)."""
    await page.wait_for_function(
        "([id, n]) => document.querySelector(`#live-${id} [data-kpi=orders]`)"
        "?.textContent.trim() === String(n)",
        arg=[live_id, count],
        timeout=20_000,
    )


async def test_the_orders_count_rises_while_the_live_runs(
    settings: Settings,
    db: asyncpg.Connection,
    pool: asyncpg.Pool,
    arq_pool: ArqRedis,
    director_browser: Any,
) -> None:
    shop = await seed_shop(db, stock={"A01": 5, "N01": 40})
    await db.execute("UPDATE lives SET title = 'Live tối: gạo ST25, nem chua'")
    tiktok = await tiktok_live(db, shop)
    tiktok_board = await db.fetchval("SELECT live_id FROM live_sessions WHERE id = $1", tiktok)
    lives = [shop.session_id, tiktok]
    await feed(pool, arq_pool, lives, [shop.comment("chốt A01", "lan")])
    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    server = TestServer(create_app(settings))
    await server.start_server()
    try:
        page = director_browser
        base = str(server.make_url("")).rstrip("/")
        await log_in(page, base, login)
        async with page.expect_navigation():
            await page.click("#menu-button")
            await page.click("#nav-dashboard")
        assert page.url.endswith("/bang-dieu-khien")
        await page.wait_for_function(
            "() => document.getElementById('stream-state').textContent === 'Trực tiếp'"
        )
        await orders_shown(page, shop.live, 1)
        await fits_the_phone(page)
        await shot(page, "dashboard-1-open")
        await page.evaluate("window.sameDocument = true")  # gone if the page reloaded

        # The live goes on: buyers comment on Facebook and TikTok while the page stays open.
        await feed(pool, arq_pool, lives, [
            shop.comment("chốt N01 x3", "minh"), shop.comment("lấy 2 nem chua", "hoa"),
            tiktok_comment("chốt A01", "tt-an"), tiktok_comment("B01 x2", "tt-binh"),
        ])  # fmt: skip
        await orders_shown(page, shop.live, 3)
        await orders_shown(page, tiktok_board, 2)
        await shot(page, "dashboard-2-rising")

        await feed(pool, arq_pool, lives, [
            shop.comment("chốt A01 x4", "quang"), shop.comment("chốt A01", "thu"),
            tiktok_comment("N01 x5", "tt-chi"),
        ])  # fmt: skip
        await orders_shown(page, shop.live, 5)
        await orders_shown(page, tiktok_board, 3)
        panel = await page.inner_text(f"#live-{shop.live}")
        assert "Hết hàng: A01" in panel  # Lan 1 + Quang 4 took all five; Thu waits
        waiting = f"#live-{shop.live} tr[data-code=A01] td:nth-child(4)"
        assert await page.inner_text(waiting) == "1"
        assert "TikTok" in await page.inner_text("#platforms")
        assert await page.evaluate("window.sameDocument === true")
        await fits_the_phone(page)
        await shot(page, "dashboard-3-sold-out")
    finally:
        await server.close()
