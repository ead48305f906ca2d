"""The dashboard body's figures and layout, through the real template: every figure has its
element (and every element its figure), a new order changes figures but not the layout, a new
product or a sold-out line changes the layout, and a stream's update is only the changed figures.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import aiohttp_jinja2
import jinja2
import pytest
from aiohttp import web

from aggregator.core.dashboard import (
    VIETNAM,
    ChannelState,
    Counts,
    LiveFacts,
    ProductLine,
    dashboard,
)
from aggregator.core.dashboard_figures import Figures, changed, layout_key, layout_of
from aggregator.core.money import format_vnd
from aggregator.web.app import WEB_DIR
from aggregator.web.staff_dashboard import render_board

NOW = datetime(2026, 11, 26, 13, 30, 20, tzinfo=UTC)
FB = ChannelState(1, "facebook", "Trang HTX", "active", None, None)
ZALO = ChannelState(2, "zalo", "OA HTX", "active", None, None)
RICE = ProductLine("A01", "Gạo ST25", "", 4, 720_000, 10, 4, 0)


def app() -> web.Application:
    made = web.Application()
    aiohttp_jinja2.setup(made, loader=jinja2.FileSystemLoader(WEB_DIR / "templates"))
    return made


def board(orders: int = 3, products: tuple[ProductLine, ...] = (RICE,)) -> object:
    started = NOW - timedelta(minutes=20)
    facts = [
        LiveFacts(7, "Live tối", True, started, None, FB, comments=40, recent_comments=10,
                  counts=Counts(orders=orders, revenue_vnd=orders * 180_000), live_id=70),
        LiveFacts(8, "Live tối", True, started, None, ZALO, comments=5, live_id=70),
    ]  # fmt: skip
    per_minute = {70: {NOW.replace(second=0): orders}}
    return dashboard(facts, [], NOW, (), {70: products}, per_minute)


def elements(html: str) -> set[str]:
    return {key for keys in re.findall(r'data-f="([^"]+)"', html) for key in keys.split()}


def test_every_figure_has_its_element_and_every_element_its_figure() -> None:
    shown = render_board(app(), board())  # type: ignore[arg-type]
    assert elements(shown.body) == set(shown.figures)
    assert shown.figures["l70.orders"] == "3" and shown.figures["l70.revenue"] == "540.000 ₫"
    assert shown.figures["l70.c8.comments"] == "5"  # the Zalo channel's own line
    assert shown.figures["l70.i1.left"] == "6"
    for key, text in shown.figures.items():  # each text is where its element shows it
        if key.endswith(("y", "h", "aria")):
            continue  # attributes
        assert f'data-f="{key}">{jinja2.utils.markupsafe.escape(text)}<' in shown.body, key


def test_a_new_order_changes_figures_only_and_a_sold_out_line_the_layout() -> None:
    before = render_board(app(), board(orders=3))  # type: ignore[arg-type]
    after = render_board(app(), board(orders=4))  # type: ignore[arg-type]
    assert after.layout == before.layout
    update = changed(before.figures, after.figures)
    assert update["l70.orders"] == "4" and update["l70.revenue"] == "720.000 ₫"
    assert "l70.comments" not in update and len(update) < len(after.figures) / 4
    sold_out = replace(RICE, reserved=10)
    assert render_board(app(), board(products=(sold_out,))).layout != before.layout  # type: ignore[arg-type]
    more = (RICE, ProductLine("N01", "Nem chua", "", 1, 60_000, None, 0, 0))
    assert render_board(app(), board(products=more)).layout != before.layout  # type: ignore[arg-type]


def test_the_layout_is_the_body_with_figures_blank_as_a_blank_render_gives_it() -> None:
    template = app()[aiohttp_jinja2.APP_KEY].get_template("_dashboard_body.html")
    context = {"board": board(), "vnd": format_vnd, "vietnam": VIETNAM}
    body = template.render(context | {"show": Figures()})
    blank = template.render(context | {"show": Figures(blank=True)})
    assert layout_of(body) == blank


def test_figures_collect_their_text_and_blank_prints_nothing() -> None:
    shown, blank = Figures(), Figures(blank=True)
    assert shown("a", 3) == "3" and blank("a", 3) == ""
    assert shown.values == blank.values == {"a": "3"}
    assert shown("a", 3) == "3"  # the same figure twice is fine
    with pytest.raises(ValueError, match="shown twice"):
        shown("a", 4)
    assert layout_key("<p></p>") == layout_key("<p></p>") != layout_key("<p> </p>")
    assert changed({"a": "1", "b": "2"}, {"a": "1", "b": "3", "c": "0"}) == {"b": "3", "c": "0"}
