"""Every staff page, walked as the director over a cooperative with orders in every status and
their history, reads Vietnamese: no English, no snake_case, no actor codes (issue 20). Pages
other parts add are walked too: any GET page route not listed as a file or a stream is opened."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from aggregator.settings import Settings
from aggregator.web.app import create_app
from schema.enums import StaffRole
from tests.support.screens import (
    WITH_QUERY,
    foreign_words,
    ids,
    page_routes,
    rich_shop,
    visible_text,
)
from tests.support.staff import add_staff, log_in


@pytest.fixture
async def director(settings: Settings, db: asyncpg.Connection) -> AsyncIterator[Any]:
    shop = await rich_shop(db)
    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR, login="giamdoc")
    await add_staff(db, shop.tenant_id, StaffRole.PACKER, login="donggoi")
    app = create_app(settings)
    async with TestClient(TestServer(app)) as client:
        await log_in(client, login)
        yield client, app


async def test_every_staff_page_reads_vietnamese(director: Any, db: asyncpg.Connection) -> None:
    client, app = director
    known = await ids(db, await db.fetchval("SELECT tenant_id FROM staff WHERE login = 'giamdoc'"))
    walked, problems = [], {}
    for path in [*page_routes(app), *WITH_QUERY]:
        urls = (
            [path.replace("{id}", str(i)) for i in known.get(path, [])] if "{" in path else [path]
        )
        # a page with a path parameter is walked once tests/support/screens.py ids() names
        # rows to open it with (pages without parameters are always walked)
        for url in urls:
            answer = await client.get(url, allow_redirects=False)
            # 403: a page of another role (a host's page): its refusal must read Vietnamese too
            assert answer.status in (200, 303, 403), f"{url}: {answer.status}"
            if answer.status in (200, 403):
                walked.append(url)
                found = foreign_words(visible_text(await answer.text()))
                if found:
                    problems[url] = found
    assert len(walked) >= 20, walked
    for page in ("/cai-dat/nhan-vien", "/bang-dieu-khien", "/bao-cao", "/don", "/dong-goi"):
        assert page in walked, page
    assert problems == {}, "\n".join(f"{url}: {words}" for url, words in problems.items())


async def test_history_names_actors_in_vietnamese(director: Any, db: asyncpg.Connection) -> None:
    client, _ = director
    order_id = await db.fetchval("SELECT min(id) FROM orders")
    text = visible_text(await (await client.get(f"/don/{order_id}")).text())
    for said in (
        "Hệ thống (đọc bình luận, gộp đơn)", "Hãng vận chuyển GHN", "đơn từ bình luận",
        "Nhân viên đang giao cho người nhận", "Khách (trang đơn hàng)", "giờ Việt Nam",
    ):  # fmt: skip
        assert said in text, said
    assert re.search(r"\d\d:\d\d:\d\d \d\d/\d\d/20\d\d", text)  # time with its date


async def test_unknown_pages_and_errors_are_vietnamese(director: Any) -> None:
    client, _ = director
    missing = await client.get("/khong-co-trang-nay")
    assert missing.status == 404
    text = visible_text(await missing.text())
    assert "Không tìm thấy trang" in text and foreign_words(text) == []
    gone = await client.get("/don/999999999")
    assert gone.status == 404 and "Không tìm thấy trang" in await gone.text()
    api = await client.get("/api/khong-co")  # machines keep their machine answer
    assert api.status == 404 and "Không tìm thấy" not in await api.text()
    icon = await client.get("/favicon.ico")
    assert icon.status == 200 and icon.content_type == "image/x-icon"
    manifest = await (await client.get("/manifest.webmanifest")).json(content_type=None)
    assert manifest["lang"] == "vi" and {i["sizes"] for i in manifest["icons"]} >= {"192x192"}


async def test_pick_list_tab_title_and_home_screen_links(
    director: Any, db: asyncpg.Connection
) -> None:
    client, _ = director
    order_id = await db.fetchval("SELECT min(id) FROM orders WHERE status = 'confirmed'")
    html = await (await client.get(f"/dong-goi/{order_id}")).text()
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert title is not None and re.fullmatch(r"Đóng gói CD\d+ · chotdon", title.group(1))
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert '<link rel="icon" href="/favicon.ico"' in html
