"""Director's reports: GET /bao-cao (per day / live / platform / product for a date range, in
Vietnam days), GET /bao-cao/{kind}.csv (one table; UTF-8 with BOM for Excel) and
GET /bao-cao/bao-cao.pdf (revenue by day and per-buyer invoices, for the tax declaration)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from aiohttp import web

from aggregator.core.money import format_vnd
from aggregator.core.reports import RangeError, parse_range
from aggregator.core.staff import Area
from aggregator.staff.accounts import StaffUser
from aggregator.staff.report_pdf import MAX_PDF_INVOICES, render_report_pdf
from aggregator.staff.reports import (
    KINDS,
    NUMBER_HEADER,
    NUMBERS,
    Report,
    build_report,
    report_csv,
)
from aggregator.web.keys import STAFF_PG_POOL
from aggregator.web.staff_auth import render, staff_page


def _range_text(request: web.Request) -> tuple[str, str]:
    return request.query.get("tu", "")[:20], request.query.get("den", "")[:20]


def download(body: bytes, content_type: str, filename: str) -> web.Response:
    return web.Response(
        body=body,
        headers={
            "Content-Type": content_type,
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )


@staff_page(Area.REPORTS)
async def reports_page(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    first, last = _range_text(request)
    context = {
        "staff": staff, "csrf": staff.csrf_token, "vnd": format_vnd, "tu": first, "den": last,
        "numbers": NUMBERS, "number_header": NUMBER_HEADER, "report": None, "message": "",
    }  # fmt: skip
    try:
        start, end = parse_range(first, last, datetime.now(UTC))
    except RangeError as exc:
        context["message"] = str(exc)
        return render(request, "staff_reports.html", context, status=422)
    report = await build_report(request.app[STAFF_PG_POOL], staff, start, end)
    context.update(report=report, tu=start.isoformat(), den=end.isoformat())
    return render(request, "staff_reports.html", context)


async def _report_or_422(request: web.Request, staff: StaffUser) -> Report:
    first, last = _range_text(request)
    try:
        start, end = parse_range(first, last, datetime.now(UTC))
    except RangeError as exc:
        raise web.HTTPUnprocessableEntity(text=str(exc)) from None
    return await build_report(request.app[STAFF_PG_POOL], staff, start, end)


@staff_page(Area.REPORTS)
async def report_csv_file(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    kind = request.match_info["kind"]
    if kind not in KINDS:
        raise web.HTTPNotFound()
    report = await _report_or_422(request, staff)
    name = f"bao-cao-{kind}-{report.start:%Y%m%d}-{report.end:%Y%m%d}.csv"
    return download(report_csv(report, kind), "text/csv; charset=utf-8", name)


@staff_page(Area.REPORTS)
async def report_pdf_file(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    report = await _report_or_422(request, staff)
    if len(report.invoices) > MAX_PDF_INVOICES:
        raise web.HTTPUnprocessableEntity(
            text=f"Kỳ này có {len(report.invoices)} hoá đơn, PDF nhận tối đa {MAX_PDF_INVOICES}: "
            "hãy chọn khoảng ngày ngắn hơn, hoặc tải CSV hoá đơn."
        )
    name = f"bao-cao-thue-{report.start:%Y%m%d}-{report.end:%Y%m%d}.pdf"
    # CPU-bound: off the event loop, so other staff pages keep answering meanwhile.
    pdf = await asyncio.to_thread(render_report_pdf, report, staff.tenant_name)
    return download(pdf, "application/pdf", name)


def setup(app: web.Application) -> None:
    app.router.add_get("/bao-cao", reports_page, name="staff_reports")
    app.router.add_get("/bao-cao/bao-cao.pdf", report_pdf_file, name="staff_report_pdf")
    app.router.add_get("/bao-cao/{kind}.csv", report_csv_file, name="staff_report_csv")
