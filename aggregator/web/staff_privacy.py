"""Personal data, for the director: GET /cai-dat/du-lieu-ca-nhan (buyers' requests with their
deadlines, the retention schedule, the breach log with its 72-hour clock), the actions on it, the
log of staff reads (/cai-dat/du-lieu-ca-nhan/nhat-ky) and the printable register of processing
(/cai-dat/du-lieu-ca-nhan/so-dang-ky.pdf)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from aggregator.confirmation.summary import VIETNAM
from aggregator.core.privacy import (
    KIND_START,
    KIND_TEXT,
    DataKind,
    ScheduleError,
    breach_clock,
    due_text,
    read_schedule,
)
from aggregator.core.staff import Area
from aggregator.errors import BadInputError, ConflictError, NotFoundError
from aggregator.orders.consent import retention_days
from aggregator.orders.privacy_requests import complete_request, refuse_request, staff_requests
from aggregator.staff.accounts import StaffUser
from aggregator.staff.breaches import breaches, mark_breach, read_breach, record_breach
from aggregator.staff.data_access import FIELD_TEXT, PLACE_TEXT, recent_reads
from aggregator.staff.privacy_register import load_register, render_register_pdf
from aggregator.web.forms import posted_form
from aggregator.web.keys import SETTINGS, STAFF_PG_POOL
from aggregator.web.paths import path_id
from aggregator.web.staff_auth import render, staff_page
from schema.queries import query

BASE = "/cai-dat/du-lieu-ca-nhan"
NOTICES = {
    "erased": "Đã xoá dữ liệu của người mua và đóng yêu cầu.",
    "refused": "Đã từ chối yêu cầu; người mua đọc được lý do trên trang của họ.",
    "schedule": "Đã lưu thời hạn lưu trữ.",
    "breach": "Đã ghi sự cố. Đồng hồ 72 giờ tính từ lúc phát hiện.",
    "marked": "Đã cập nhật sự cố.",
}
KIND_NAME = {"erase": "Xoá dữ liệu", "export": "Tải dữ liệu"}
STATUS_NAME = {"open": "Đang chờ", "done": "Đã xong", "refused": "Đã từ chối"}
SOURCE_NAME = {"buyer_link": "từ link đơn", "cli": "dòng lệnh", "staff": "nhân viên"}
OPEN_ORDERS = "Người mua còn đơn đang xử lý: hãy hoàn tất hoặc huỷ đơn đó rồi xoá dữ liệu."


def _vn(moment: datetime | None) -> str:
    return moment.astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y") if moment else ""


async def _context(request: web.Request, staff: StaffUser) -> dict[str, Any]:
    pool = request.app[STAFF_PG_POOL]
    now = datetime.now(UTC)
    return {
        "staff": staff, "csrf": staff.csrf_token, "vn": _vn, "now": now,
        "requests": await staff_requests(pool, staff.tenant_id),
        "due_text": due_text, "kind_name": KIND_NAME, "status_name": STATUS_NAME,
        "source_name": SOURCE_NAME, "kinds": list(DataKind), "kind_text": KIND_TEXT,
        "kind_start": KIND_START, "days": await retention_days(pool, staff.tenant_id),
        "breaches": [(b, breach_clock(b["detected_at"], b["reported_at"], now))
                     for b in await breaches(pool, staff.tenant_id)],
        "notice": NOTICES.get(request.query.get("done", ""), ""), "problem": "",
        "now_local": now.astimezone(VIETNAM).strftime("%Y-%m-%dT%H:%M"),
        "request_days": request.app[SETTINGS].privacy_request_days,
    }  # fmt: skip


async def _page(
    request: web.Request, staff: StaffUser, status: int = 200, problem: str = ""
) -> web.Response:
    context = await _context(request, staff)
    context["problem"] = problem
    return render(request, "staff_privacy.html", context, status=status)


def _done(key: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(location=f"{BASE}?done={key}")


@staff_page(Area.PRIVACY)
async def privacy_page(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    return await _page(request, staff)


@staff_page(Area.PRIVACY)
async def complete(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    try:
        await complete_request(request.app[STAFF_PG_POOL], staff.tenant_id, path_id(request),
                               staff.actor)  # fmt: skip
    except NotFoundError:
        raise web.HTTPNotFound() from None
    except ConflictError:
        return await _page(request, staff, 409, OPEN_ORDERS)
    raise _done("erased")


def _text(form: Any, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


@staff_page(Area.PRIVACY)
async def refuse(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    form = await posted_form(request)
    try:
        await refuse_request(request.app[STAFF_PG_POOL], staff.tenant_id, path_id(request),
                             staff.actor, _text(form, "reason"))  # fmt: skip
    except BadInputError:
        return await _page(request, staff, 422, "Hãy ghi lý do từ chối (ít nhất 3 ký tự).")
    except ConflictError:
        raise web.HTTPNotFound() from None
    raise _done("refused")


@staff_page(Area.PRIVACY)
async def save_schedule(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    form = await posted_form(request)
    try:
        days = read_schedule({k: v for k, v in form.items() if isinstance(v, str)})
    except ScheduleError as exc:
        return await _page(request, staff, 422, str(exc))
    async with request.app[STAFF_PG_POOL].acquire() as conn, conn.transaction():
        for kind, value in days.items():
            await conn.execute(query("save_retention_rule"), staff.tenant_id, kind.value, value,
                               staff.actor)  # fmt: skip
    raise _done("schedule")


@staff_page(Area.PRIVACY)
async def add_breach(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    form = await posted_form(request)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        breach = read_breach(fields, datetime.now(UTC))
    except BadInputError as exc:
        return await _page(request, staff, 422, str(exc))
    await record_breach(request.app[STAFF_PG_POOL], staff, breach)
    raise _done("breach")


@staff_page(Area.PRIVACY)
async def update_breach(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    form = await posted_form(request)
    try:
        found = await mark_breach(request.app[STAFF_PG_POOL], staff, path_id(request),
                                  _text(form, "step"), _text(form, "measures"))  # fmt: skip
    except BadInputError:  # a step no button sends: as if the breach were not there
        raise web.HTTPNotFound() from None
    if not found:
        raise web.HTTPNotFound()
    raise _done("marked")


@staff_page(Area.PRIVACY)
async def access_log(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    wanted = request.query.get("don", "")
    order_id = int(wanted) if wanted.isascii() and wanted.isdigit() and len(wanted) < 19 else None
    reads = await recent_reads(request.app[STAFF_PG_POOL], staff.tenant_id, order_id=order_id)
    context = {
        "staff": staff, "csrf": staff.csrf_token, "reads": reads, "vn": _vn,
        "place_text": PLACE_TEXT, "field_text": FIELD_TEXT, "one_order": order_id,
    }  # fmt: skip
    return render(request, "staff_access_log.html", context)


@staff_page(Area.PRIVACY)
async def register_pdf(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    now = datetime.now(UTC)
    async with request.app[STAFF_PG_POOL].acquire() as conn:
        register = await load_register(conn, staff.tenant_id, staff.tenant_name,
                                       request.app[SETTINGS].privacy_request_days, now)  # fmt: skip
    pdf = await asyncio.to_thread(render_register_pdf, register)
    name = f"so-dang-ky-xu-ly-du-lieu-{now.astimezone(VIETNAM):%Y%m%d}.pdf"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return web.Response(body=pdf, content_type="application/pdf", headers=headers)


def setup(app: web.Application) -> None:
    app.router.add_get(BASE, privacy_page, name="staff_privacy")
    app.router.add_post(BASE + "/yeu-cau/{id}/xoa", complete, name="staff_privacy_erase")
    app.router.add_post(BASE + "/yeu-cau/{id}/tu-choi", refuse, name="staff_privacy_refuse")
    app.router.add_post(BASE + "/luu-tru", save_schedule, name="staff_privacy_schedule")
    app.router.add_post(BASE + "/su-co", add_breach, name="staff_privacy_breach")
    app.router.add_post(BASE + "/su-co/{id}", update_breach, name="staff_privacy_breach_update")
    app.router.add_get(BASE + "/nhat-ky", access_log, name="staff_privacy_log")
    app.router.add_get(BASE + "/so-dang-ky.pdf", register_pdf, name="staff_privacy_register")
