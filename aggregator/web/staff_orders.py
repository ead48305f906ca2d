"""Staff pages of the order queue: GET /don (filters, search, pages), GET /don/{id}, and
POST /don/{id}/xac-nhan (confirmed with the buyer by phone, through the state module)."""

from __future__ import annotations

from aiohttp import web

from aggregator.confirmation.payments import payments_for_staff
from aggregator.core.money import format_vnd
from aggregator.core.risk import RiskLevel
from aggregator.core.staff import Area
from aggregator.staff.accounts import StaffUser
from aggregator.staff.actions import action_context
from aggregator.staff.courier import blocked_orders, courier_context
from aggregator.staff.queue import (
    QueueFilter,
    confirm_by_phone,
    confirmation_rates,
    lives,
    order_queue,
    order_view,
)
from aggregator.staff.reports import PLATFORM_TEXT
from aggregator.web.keys import STAFF_PG_POOL
from aggregator.web.paths import path_id
from aggregator.web.staff_auth import render, staff_page
from aggregator.web.staff_text import EVENT_TEXT, PARCEL_TEXT, RISK_TEXT, STATUS_TEXT
from schema.enums import Platform, StaffRole
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


async def order_page_response(
    request: web.Request, staff: StaffUser, status: int = 200, problem: str = ""
) -> web.Response:
    """The order page; `problem` is a Vietnamese message when an action on it was refused."""
    pool = request.app[STAFF_PG_POOL]
    view = await order_view(pool, staff, path_id(request))
    if view is None:
        raise web.HTTPNotFound()
    context = {
        "staff": staff, "csrf": staff.csrf_token, "view": view, "o": view.order,
        "status_text": STATUS_TEXT, "event_text": EVENT_TEXT, "vnd": format_vnd,
        "notice": NOTICES.get(request.query.get("done", ""), ""), "problem": problem,
    }  # fmt: skip
    context.update(await action_context(pool, staff, view.order))
    context.update(await courier_context(pool, staff, view.order["id"], request.query))
    return render(request, "staff_order.html", context, status=status)


@staff_page(Area.ORDERS)
async def order_page(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    return await order_page_response(request, staff)


@staff_page(Area.ORDERS)
async def confirm(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    order_id = path_id(request)
    done = await confirm_by_phone(request.app[STAFF_PG_POOL], staff, order_id)
    if done is None:
        raise web.HTTPNotFound()
    outcome = "confirmed" if done else "refused"
    raise web.HTTPSeeOther(location=f"/don/{order_id}?done={outcome}")


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
