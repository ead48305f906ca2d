"""The director's tax page: GET /thue?nam=2026&ky=2026-Q1 (per quarter and half-year, revenue a
platform withheld tax on and revenue declared by the cooperative itself, refunds subtracted),
GET /thue/tong-hop.csv and /thue/chi-tiet.csv, GET /thue/so-lieu-thue.pdf, GET /thue/hoa-don.xml
(the period's invoice drafts in the tax authority's XML for an e-invoice provider) and
POST /thue/hoa-don (the seller details those invoices need)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from aggregator.core.einvoice import invoices_xml, seller_errors
from aggregator.core.money import format_vnd
from aggregator.core.reports import vn_today
from aggregator.core.staff import Area
from aggregator.core.tax import DECLARER_TEXT, Declarer, Period, PeriodError, parse_period
from aggregator.staff.accounts import StaffUser
from aggregator.staff.einvoice_schema import validate_invoices
from aggregator.staff.tax import (
    SellerMissingError,
    TaxYear,
    detail_csv,
    drafts,
    load_year,
    save_seller_settings,
    seller_of,
    seller_settings,
    summary_csv,
)
from aggregator.staff.tax_pdf import render_tax_pdf
from aggregator.web.forms import posted_form
from aggregator.web.keys import SETTINGS, STAFF_PG_POOL
from aggregator.web.staff_auth import render, staff_page
from aggregator.web.staff_reports import download

SELLER_FIELDS = ("tax_code", "address", "series")


async def _year_and_period(request: web.Request, staff: StaffUser) -> tuple[TaxYear, Period]:
    try:
        period = parse_period(request.query.get("ky", "")[:12], vn_today(datetime.now(UTC)))
    except PeriodError as exc:
        raise web.HTTPUnprocessableEntity(text=str(exc)) from None
    threshold = request.app[SETTINGS].tax_threshold_vnd
    year = await load_year(request.app[STAFF_PG_POOL], staff.tenant_id, period.year, threshold)
    return year, period


async def _page(
    request: web.Request, staff: StaffUser, status: int = 200, **more: Any
) -> web.Response:
    year, period = await _year_and_period(request, staff)
    _, einvoice = await seller_settings(request.app[STAFF_PG_POOL], staff.tenant_id)
    context = {
        "staff": staff, "csrf": staff.csrf_token, "vnd": format_vnd, "year": year,
        "period": period, "figures": year.figures(period), "Declarer": Declarer,
        "declarer_text": DECLARER_TEXT, "regime": year.regime(vn_today(datetime.now(UTC))),
        "seller": einvoice, "errors": {}, "notice": "", **more,
    }  # fmt: skip
    return render(request, "staff_tax.html", context, status=status)


@staff_page(Area.REPORTS)
async def tax_page(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    try:
        return await _page(request, staff)
    except web.HTTPUnprocessableEntity as exc:
        request = request.clone(rel_url=request.rel_url.with_query({}))
        return await _page(request, staff, 422, message=exc.text)


@staff_page(Area.REPORTS)
async def summary_file(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    year, _ = await _year_and_period(request, staff)
    return download(summary_csv(year), "text/csv; charset=utf-8", f"thue-{year.year}.csv")


@staff_page(Area.REPORTS)
async def detail_file(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    year, period = await _year_and_period(request, staff)
    name = f"thue-chi-tiet-{period.key}.csv"
    return download(detail_csv(year, period), "text/csv; charset=utf-8", name)


@staff_page(Area.REPORTS)
async def pdf_file(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    year, period = await _year_and_period(request, staff)
    advice = year.regime(vn_today(datetime.now(UTC))).advice
    pdf = await asyncio.to_thread(render_tax_pdf, year, period, staff.tenant_name, advice)
    return download(pdf, "application/pdf", f"so-lieu-thue-{year.year}.pdf")


@staff_page(Area.REPORTS)
async def invoices_file(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    year, period = await _year_and_period(request, staff)
    name, einvoice = await seller_settings(request.app[STAFF_PG_POOL], staff.tenant_id)
    try:
        seller = seller_of(name, einvoice)
    except SellerMissingError as exc:
        raise web.HTTPUnprocessableEntity(text=str(exc)) from None
    body = invoices_xml(seller, drafts(year, period))
    await asyncio.to_thread(validate_invoices, body)  # never hand a provider a file it refuses
    return download(body, "application/xml; charset=utf-8", f"hoa-don-{period.key}.xml")


@staff_page(Area.REPORTS)
async def seller_post(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    form = await posted_form(request)
    values = {k: " ".join(str(form.get(k, "")).split())[:400] for k in SELLER_FIELDS}
    values["series"] = values["series"].upper()
    errors = seller_errors(values)
    if errors:
        return await _page(request, staff, 400, errors=errors, seller=values)
    await save_seller_settings(request.app[STAFF_PG_POOL], staff.tenant_id, values)
    return await _page(request, staff, notice="Đã lưu thông tin xuất hoá đơn.")


def setup(app: web.Application) -> None:
    app.router.add_get("/thue", tax_page, name="staff_tax")
    app.router.add_get("/thue/tong-hop.csv", summary_file, name="staff_tax_summary")
    app.router.add_get("/thue/chi-tiet.csv", detail_file, name="staff_tax_detail")
    app.router.add_get("/thue/so-lieu-thue.pdf", pdf_file, name="staff_tax_pdf")
    app.router.add_get("/thue/hoa-don.xml", invoices_file, name="staff_tax_invoices")
    app.router.add_post("/thue/hoa-don", seller_post, name="staff_tax_seller")
