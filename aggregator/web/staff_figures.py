"""The director's staff figures page: GET /so-lieu-nhan-vien (a date range, default this month)
and GET /so-lieu-nhan-vien.csv."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from aggregator.core.figures import minutes_text
from aggregator.core.money import format_vnd
from aggregator.core.reports import RangeError, parse_range
from aggregator.core.staff import Area
from aggregator.staff.accounts import StaffUser
from aggregator.staff.figures import HEADER, build_figures, figures_csv
from aggregator.web.keys import STAFF_PG_POOL
from aggregator.web.staff_auth import render, staff_page
from aggregator.web.staff_reports import download


def _range(request: web.Request) -> tuple[str, str]:
    return request.query.get("tu", "")[:20], request.query.get("den", "")[:20]


@staff_page(Area.REPORTS)
async def figures_page(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    first, last = _range(request)
    context = {
        "staff": staff, "csrf": staff.csrf_token, "tu": first, "den": last, "header": HEADER,
        "figures": None, "message": "", "minutes": minutes_text, "vnd": format_vnd,
    }  # fmt: skip
    try:
        start, end = parse_range(first, last, datetime.now(UTC))
    except RangeError as exc:
        context["message"] = str(exc)
        return render(request, "staff_figures.html", context, status=422)
    figures = await build_figures(request.app[STAFF_PG_POOL], staff, start, end)
    context.update(figures=figures, tu=start.isoformat(), den=end.isoformat())
    return render(request, "staff_figures.html", context)


@staff_page(Area.REPORTS)
async def figures_csv_file(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    first, last = _range(request)
    try:
        start, end = parse_range(first, last, datetime.now(UTC))
    except RangeError as exc:
        raise web.HTTPUnprocessableEntity(text=str(exc)) from None
    figures = await build_figures(request.app[STAFF_PG_POOL], staff, start, end)
    name = f"so-lieu-nhan-vien-{start:%Y%m%d}-{end:%Y%m%d}.csv"
    return download(figures_csv(figures), "text/csv; charset=utf-8", name)


def setup(app: web.Application) -> None:
    app.router.add_get("/so-lieu-nhan-vien", figures_page, name="staff_figures")
    app.router.add_get("/so-lieu-nhan-vien.csv", figures_csv_file, name="staff_figures_csv")
