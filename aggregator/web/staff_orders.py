"""Staff pages of the order queue: GET /don (filters, search, pages), GET /don/{id}, and
POST /don/{id}/xac-nhan (confirmed with the buyer by phone, through the state module)."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from aggregator.confirmation.errors import BuyerFacingError, FormError
from aggregator.confirmation.links import order_link
from aggregator.confirmation.payments import payments_for_staff
from aggregator.confirmation.view import EDITABLE
from aggregator.core.money import format_vnd
from aggregator.core.risk import RiskLevel
from aggregator.core.staff import Area
from aggregator.staff.accounts import StaffUser
from aggregator.staff.actions import action_context
from aggregator.staff.courier import blocked_orders, courier_context
from aggregator.staff.data_access import BOTH, log_reads
from aggregator.staff.phone import confirm_by_phone, phone_context, phone_form
from aggregator.staff.queue import (
    QueueFilter,
    confirmation_rates,
    lives,
    order_queue,
    order_view,
)
from aggregator.staff.reports import PLATFORM_TEXT
from aggregator.web.keys import SETTINGS, STAFF_PG_POOL
from aggregator.web.paths import path_id
from aggregator.web.staff_auth import render, staff_page
from aggregator.web.staff_text import (
    EVENT_TEXT,
    PARCEL_TEXT,
    RETURN_TEXT,
    RISK_TEXT,
    STATUS_TEXT,
)
from schema.enums import Platform, StaffRole
from schema.queries import query
from schema.states import OrderStatus

NOTICES = {
    "confirmed": "Đã xác nhận đơn.",
    "refused": "Đơn ở trạng thái này không xác nhận được.",
    "edited": "Đã lưu thay đổi của đơn.",
    "merged": "Đã gộp các đơn vào đơn này.",
    "cancelled": "Đã huỷ đơn, hàng đã trả lại kho.",
}


def _int(text: str | None, default: int | None = None) -> int | None:
    if text is None or not text.strip().isdecimal() or len(text) > 18:
        return default
    return int(text)


def _filter(request: web.Request) -> QueueFilter:
    status = request.query.get("status", "")
    platform, risk = request.query.get("platform", ""), request.query.get("risk", "")
    return QueueFilter(
        live=_int(request.query.get("live")),
        status=OrderStatus(status) if status in STATUS_TEXT else None,
        search=request.query.get("q", "")[:100],
        page=max(1, _int(request.query.get("page"), 1) or 1),
        platform=Platform(platform) if platform in PLATFORM_TEXT else None,
        risk=RiskLevel.parse(risk) if risk in RISK_TEXT else None,
        parcel=parcel if (parcel := request.query.get("van_chuyen", "")) in PARCEL_TEXT else "",
    )


@staff_page(Area.ORDERS)
async def queue(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    pool = request.app[STAFF_PG_POOL]
    wanted = _filter(request)
    found = await order_queue(pool, staff, wanted)
    context = {
        "staff": staff, "csrf": staff.csrf_token, "found": found, "wanted": wanted,
        "lives": await lives(pool, staff), "status_text": STATUS_TEXT, "vnd": format_vnd,
        "platform_text": PLATFORM_TEXT, "risk_text": RISK_TEXT, "parcel_text": PARCEL_TEXT,
        "rates": (
            await confirmation_rates(pool, staff) if staff.role is StaffRole.DIRECTOR else []
        ),
        "blocked": await blocked_orders(pool, staff.tenant_id, [o["id"] for o in found.orders]),
    }  # fmt: skip
    return render(request, "staff_queue.html", context)


def _buyer_link(request: web.Request, order_id: int) -> str:
    """The buyer's own link, for staff to copy into a chat the platform would not carry."""
    settings = request.app[SETTINGS]
    return order_link(settings, order_id) if settings.app_secret is not None else ""


async def order_page_response(
    request: web.Request, staff: StaffUser, status: int = 200, problem: str = "",
    phone_values: Mapping[str, str] | None = None, phone_errors: Mapping[str, str] | None = None,
) -> web.Response:  # fmt: skip
    """The order page; `problem` is a Vietnamese message when an action on it was refused."""
    pool = request.app[STAFF_PG_POOL]
    view = await order_view(pool, staff, path_id(request))
    if view is None:
        raise web.HTTPNotFound()
    await log_reads(pool, staff, [view.order["id"]], BOTH, "order_page")
    context = {
        "staff": staff, "csrf": staff.csrf_token, "view": view, "o": view.order,
        "status_text": STATUS_TEXT, "event_text": EVENT_TEXT, "vnd": format_vnd,
        "notice": NOTICES.get(request.query.get("done", ""), ""), "problem": problem,
        "buyer_link": _buyer_link(request, view.order["id"]),
        "order_return": await pool.fetchrow(query("return_of_order"), staff.tenant_id,
                                            view.order["id"]),  # returns (issue 22)
        "return_text": RETURN_TEXT,
    }  # fmt: skip
    if view.order["status"] in EDITABLE:
        found = await phone_form(pool, staff, view.order["id"])
        if found is not None:
            context.update(phone_context(found, phone_values or {}, phone_errors or {}))
    context.update(await action_context(pool, staff, view.order))
    context.update(await courier_context(pool, staff, view.order["id"], request.query))
    return render(request, "staff_order.html", context, status=status)


@staff_page(Area.ORDERS)
async def order_page(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    return await order_page_response(request, staff)


@staff_page(Area.ORDERS)
async def confirm(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    """Confirmed with the buyer on the phone: name, phone, 2025 address and payment, checked by
    the buyer page's rules (422 with a message per field), then the buyer page's confirmation."""
    order_id = path_id(request)
    form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
    if form.get("action") == "province":  # no JavaScript: show the chosen province's wards
        return await order_page_response(request, staff, phone_values=form)
    try:
        done = await confirm_by_phone(request.app[STAFF_PG_POOL], staff, order_id, form)
    except FormError as exc:
        return await order_page_response(
            request, staff, 422, "Hãy kiểm tra lại các ô được đánh dấu.", form, exc.errors
        )
    except BuyerFacingError as exc:
        message = PHONE_REFUSED.get(type(exc).__name__, NOTICES["refused"])
        return await order_page_response(request, staff, exc.http_status, message, form)
    if done is None:
        raise web.HTTPNotFound()
    raise web.HTTPSeeOther(location=f"/don/{order_id}?done=confirmed")


# Why a phone confirmation was refused, as staff read it (the buyer's own wording says "bạn").
PHONE_REFUSED = {
    "NothingHeldError": "Đơn chỉ còn hàng đang chờ hoặc chưa rõ mã: không có gì để gửi, chưa "
    "xác nhận được.",
    "EmptyOrderError": "Đơn không còn sản phẩm nào để xác nhận.",
    "StaleOrderError": "Đơn vừa thay đổi (khách vừa bình luận thêm): hãy xem lại rồi xác nhận.",
    "NotEditableError": NOTICES["refused"],
}


PAYMENT_TEXT = {"partial": "chuyển thiếu", "overpaid": "chuyển thừa / đơn đã đóng",
                "unmatched": "không khớp đơn"}  # fmt: skip


@staff_page(Area.ORDERS)
async def payments(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    """Transfers that did not simply pay an order: for staff to call the buyer or refund."""
    context = {
        "staff": staff, "csrf": staff.csrf_token, "vnd": format_vnd, "status_text": PAYMENT_TEXT,
        "payments": await payments_for_staff(request.app[STAFF_PG_POOL], staff.tenant_id),
    }  # fmt: skip
    return render(request, "staff_payments.html", context)


def setup(app: web.Application) -> None:
    app.router.add_get("/thanh-toan", payments, name="staff_payments")
    app.router.add_get("/don", queue, name="staff_queue")
    app.router.add_get("/don/{id}", order_page, name="staff_order")
    app.router.add_post("/don/{id}/xac-nhan", confirm, name="staff_order_confirm")
