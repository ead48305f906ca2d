"""The staff vocabulary (aggregator/web/staff_words.py) and the Vietnamese error pages, without a
database: actors, reasons and kinds never come out as codes; a domain error or a crash on a page a
person opened reads Vietnamese, while the JSON API keeps its JSON."""

from __future__ import annotations

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from aggregator.errors import BadInputError
from aggregator.web.app import WEB_DIR
from aggregator.web.error_pages import vietnamese_errors
from aggregator.web.middleware import map_errors
from aggregator.web.staff_text import EVENT_TEXT
from aggregator.web.staff_words import actor_text, kind_text, reason_text
from tests.support.screens import foreign_words, visible_text


def test_actors_read_as_people_and_services() -> None:
    assert actor_text("system:merge") == "Hệ thống (đọc bình luận, gộp đơn)"
    assert actor_text("courier:ghn") == "Hãng vận chuyển GHN"
    assert actor_text("courier:viettelpost") == "Hãng vận chuyển Viettel Post"
    assert actor_text("staff:12", "Chị Lan") == "Chị Lan"
    assert actor_text("staff:12") == "Nhân viên"
    assert actor_text("system:something-new") == "Hệ thống"
    assert actor_text("buyer:somewhere") == "Khách"


def test_reasons_and_kinds_never_show_a_code() -> None:
    assert reason_text("order from comments") == "đơn từ bình luận"
    assert reason_text("delivering ", "courier:ghn") == "Nhân viên đang giao cho người nhận"
    assert reason_text("ready_to_pick Hẹn lại", "courier:ghn") == "Mới tạo đơn hàng — Hẹn lại"
    assert reason_text("some_new_code") == ""
    assert reason_text("khách dặn giao giờ hành chính") == "khách dặn giao giờ hành chính"
    assert kind_text("items_changed", EVENT_TEXT) == "Đổi sản phẩm trong đơn"
    assert kind_text("brand_new_kind", EVENT_TEXT) == "Cập nhật đơn"
    assert foreign_words(reason_text("buyer changed a confirmed order")) == []


async def _raise_domain(_request: web.Request) -> web.Response:
    raise BadInputError("quantity must be positive")


async def _crash(_request: web.Request) -> web.Response:
    raise RuntimeError("boom")


async def test_errors_on_pages_read_vietnamese_and_the_api_keeps_json() -> None:
    app = web.Application(middlewares=[vietnamese_errors, map_errors])
    aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(WEB_DIR / "templates"))
    app.router.add_get("/trang", _raise_domain)
    app.router.add_get("/api/trang", _raise_domain)
    app.router.add_get("/hong", _crash)
    html = {"Accept": "text/html,application/xhtml+xml"}
    async with TestClient(TestServer(app)) as client:
        page = await client.get("/trang", headers=html)
        assert page.status == 400 and page.content_type == "text/html"
        text = visible_text(await page.text())
        assert "Yêu cầu không hợp lệ" in text and foreign_words(text) == []
        api = await client.get("/api/trang", headers=html)
        assert api.status == 400 and api.content_type == "application/json"
        fetched = await client.get("/trang", headers={"Accept": "*/*"})  # a page's own fetch()
        assert fetched.content_type == "application/json"
        crash = await client.get("/hong", headers=html)
        assert crash.status == 500 and "Có lỗi ở máy chủ" in await crash.text()
        missing = await client.get("/khong-co", headers=html)
        assert missing.status == 404 and "Không tìm thấy trang" in await missing.text()
