"""A director in a real browser (Debian chromium, 360 px wide): opens the reports for 1–2 March,
downloads the per-day CSV and checks it, then looks at an order's actions and the unclear queue.
Screenshots of each step go to test-artifacts/ (gitignored)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import asyncpg
from aiohttp.test_utils import TestServer

from aggregator.settings import Settings
from aggregator.web.app import create_app
from schema.enums import StaffRole
from tests.support.browser import ARTIFACTS, fits_the_phone, log_in, open_menu, shot
from tests.support.sales import seed_sales
from tests.support.staff import add_staff


async def test_director_exports_the_report_as_csv(
    settings: Settings, db: asyncpg.Connection, director_browser: Any
) -> None:
    shop = await seed_sales(db)
    order_id = await db.fetchval("SELECT min(id) FROM orders WHERE status = 'confirmed'")
    comment = await db.fetchval(
        "INSERT INTO comments (tenant_id, platform, channel_external_id, external_id, channel_id, "
        "session_id, author_external_id, author_name, body, commented_at, intent) "
        "VALUES ($1, 'facebook', $2, 'bx1', $3, $4, 'u-bx', 'Chị Mai', 'chốt 2 hũ mật nhãn', "
        "now(), 'order') RETURNING id",
        shop.tenant_id, shop.page_id, shop.channel_id, shop.session_id,
    )  # fmt: skip
    await db.execute(
        "INSERT INTO order_items (tenant_id, order_id, code, qty, status, source_comment_id) "
        "VALUES ($1, $2, '', 1, 'unclear', $3)",
        shop.tenant_id, order_id, comment,
    )  # fmt: skip
    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    server = TestServer(create_app(settings))
    await server.start_server()
    try:
        base = str(server.make_url("")).rstrip("/")
        page = director_browser
        await log_in(page, base, login)
        await open_menu(page)
        async with page.expect_navigation():
            await page.click("#menu >> text=Báo cáo")
        await page.fill("#tu", "2026-03-01")
        await page.fill("#den", "2026-03-02")
        async with page.expect_navigation():
            await page.click("#show")
        assert "01/03/2026" in await page.inner_text("#by-day")
        await fits_the_phone(page)
        await shot(page, "reports-1-page")
        async with page.expect_download() as waiting:
            await page.click("#export-csv")
        download = await waiting.value
        assert download.suggested_filename == "bao-cao-ngay-20260301-20260302.csv"
        saved = ARTIFACTS / download.suggested_filename
        await download.save_as(str(saved))
        rows = list(csv.reader(io.StringIO(Path(saved).read_bytes().decode("utf-8-sig"))))
        assert rows[0][0] == "Ngày" and rows[-1][:2] == ["Tổng", "8"]
        await page.goto(f"{base}/don/{order_id}")
        await fits_the_phone(page)
        await shot(page, "reports-2-order-actions")
        await page.goto(f"{base}/chua-ro")
        assert "chốt 2 hũ mật nhãn" in await page.inner_text("#unclear")
        await fits_the_phone(page)
        await shot(page, "reports-3-unclear")
    finally:
        await server.close()
