"""Staff pages for returns and refunds: GET /doi-tra (open returns, transfers still owed, the
director's return window), GET /doi-tra/{id} (one return: the buyer's photos, lines, decision,
arrival, refund with the buyer's VietQR), and the POST actions that move it through
aggregator/staff/returns.py (the state module and the order's event log)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from aggregator.confirmation.qr import vietqr_data_uri
from aggregator.core.banks import BANKS
from aggregator.core.incidents import SHIPMENT_TEXT
from aggregator.core.money import format_vnd
from aggregator.core.reports import local
from aggregator.core.returns import (
    CAUSE_TEXT,
    MAX_WINDOW_DAYS,
    REFUND_TEXT,
    SEND_TEXT,
    default_refund,
    refund_limit,
    refund_methods,
    transfer_reference,
    window_days,
)
from aggregator.core.staff import Area
from aggregator.core.vietqr import BankAccount
from aggregator.errors import BadInputError
from aggregator.staff.accounts import StaffUser
from aggregator.staff.data_access import BOTH, log_reads
from aggregator.staff.return_pickup import book_pickup, pickup_courier
from aggregator.staff.returns import (
    ReturnRefusedError,
    accept_return,
    receive_return,
    record_refund,
    refuse_return,
    return_lines,
    settle_refund,
    staff_return,
)
from aggregator.web.buyer_returns import COURIER_TEXT
from aggregator.web.forms import posted_form
from aggregator.web.keys import SETTINGS, STAFF_PG_POOL
from aggregator.web.paths import path_id
from aggregator.web.staff_auth import render, staff_page
from aggregator.web.staff_text import RETURN_TEXT
from aggregator.web.staff_unclear import tell_buyers
from schema.enums import RefundMethod, ReturnCause, ReturnSendMethod
from schema.queries import query
from schema.states import ReturnStatus

NOTICES = {
    "accepted": "Đã đồng ý cho trả hàng.",
    "booked": "Đã đặt hãng vận chuyển đến lấy hàng.",
    "refused": "Đã từ chối yêu cầu trả hàng.",
    "received": "Đã ghi nhận hàng trả về.",
    "refund": "Đã ghi khoản hoàn tiền.",
    "settled": "Đã ghi là đã chuyển tiền hoàn cho khách.",
    "window": "Đã lưu thời hạn trả hàng.",
}
MAX_REASON = 200


class ReturnFormError(BadInputError, ValueError):
    """A field staff must correct; the message is Vietnamese."""


def _text(form: Any, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _status_filter(request: web.Request) -> str | None:
    wanted = request.query.get("trang_thai", "")
    return wanted if wanted in ReturnStatus.__members__.values() else None


@staff_page(Area.ORDERS)
async def returns_page(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    pool = request.app[STAFF_PG_POOL]
    wanted = _status_filter(request)
    settings = await pool.fetchval(query("tenant_settings"), staff.tenant_id) or {}
    context = {
        "staff": staff, "csrf": staff.csrf_token, "vnd": format_vnd, "local": local,
        "returns": await pool.fetch(query("staff_returns"), staff.tenant_id, wanted),
        "owed": await pool.fetch(query("refunds_owed"), staff.tenant_id),
        "wanted": wanted, "status_text": RETURN_TEXT,
        "cause_text": {c.value: t for c, t in CAUSE_TEXT.items()},
        "days": window_days(settings), "max_days": MAX_WINDOW_DAYS,
        "notice": NOTICES.get(request.query.get("done", ""), ""),
        "problem": (request.query.get("loi", "") == "1" and "Số ngày phải từ 0 đến 60.") or "",
    }  # fmt: skip
    return render(request, "staff_returns.html", context)


@staff_page(Area.REPORTS)
async def set_window(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    """The director's return window: days after delivery (0: no returns from the order link)."""
    text = _text(await posted_form(request), "days")
    if not text.isdecimal() or int(text) > MAX_WINDOW_DAYS:
        raise web.HTTPSeeOther(location="/doi-tra?loi=1")
    await request.app[STAFF_PG_POOL].fetchval(
        query("merge_tenant_settings"), staff.tenant_id, {"return_window_days": int(text)}
    )
    raise web.HTTPSeeOther(location="/doi-tra?done=window")


def _refund_qr(row: Any, amount: int) -> str | None:
    try:
        account = BankAccount(row["refund_bank_bin"], row["refund_account_no"])
    except ValueError:
        return None
    return vietqr_data_uri(account, amount, transfer_reference(row["order_no"]))


async def return_page_response(
    request: web.Request, staff: StaffUser, status: int = 200, problem: str = ""
) -> web.Response:
    pool = request.app[STAFF_PG_POOL]
    return_id = path_id(request)
    row = await staff_return(pool, staff, return_id)
    lines = await return_lines(pool, staff, return_id)
    await log_reads(pool, staff, [row["order_id"]], BOTH, "return_page")  # shows phone, address
    value = default_refund({r["id"]: (r["qty"], r["unit_price_vnd"]) for r in lines})
    most = refund_limit(int(row["total_vnd"]), int(row["refunded_vnd"]))
    owed = row["refund_vnd"] if row["refund_status"] == "owed" else None
    context = {
        "staff": staff, "csrf": staff.csrf_token, "r": row, "lines": lines, "vnd": format_vnd,
        "local": local, "status": ReturnStatus(row["status"]),
        "status_text": RETURN_TEXT, "cause": CAUSE_TEXT[ReturnCause(row["cause"])],
        "send_text": SEND_TEXT, "refund_text": REFUND_TEXT, "courier_text": COURIER_TEXT,
        "shipment_text": SHIPMENT_TEXT,
        "bank_name": BANKS.get(row["refund_bank_bin"], ""),
        "suggested": min(value, most), "most": most,
        "methods": refund_methods(row["payment_method"], row["payment_method"] != "cod"),
        "pickup_offered": await pickup_courier(
            request.app[STAFF_PG_POOL], request.app[SETTINGS], row
        ) is not None,
        "qr": _refund_qr(row, int(owed)) if owed else None,
        "reference": transfer_reference(row["order_no"]),
        "notice": NOTICES.get(request.query.get("done", ""), ""), "problem": problem,
    }  # fmt: skip
    return render(request, "staff_return.html", context, status=status)


@staff_page(Area.ORDERS)
async def return_page(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    return await return_page_response(request, staff)


@staff_page(Area.ORDERS)
async def return_photo(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    row = await request.app[STAFF_PG_POOL].fetchrow(
        query("return_photo"), staff.tenant_id, path_id(request), path_id(request, "photo")
    )
    if row is None:
        raise web.HTTPNotFound()
    return web.Response(body=row["data"], content_type=row["content_type"],
                        headers={"Cache-Control": "private, max-age=3600"})  # fmt: skip


async def _book(request: web.Request, staff: StaffUser, return_id: int) -> str:
    """Book the courier pickup (after the decision committed); '' or a problem for staff."""
    pool = request.app[STAFF_PG_POOL]
    row = await staff_return(pool, staff, return_id)
    pickup = await book_pickup(
        pool, request.app[SETTINGS], row, await return_lines(pool, staff, return_id)
    )
    return pickup.problem


async def _act(request: web.Request, staff: StaffUser, action: str) -> web.StreamResponse:
    return_id = path_id(request)
    form = await posted_form(request)
    pool = request.app[STAFF_PG_POOL]
    reason = _text(form, "reason")[:MAX_REASON]
    try:
        done = await _apply(request, staff, return_id, action, form, reason)
    except ReturnRefusedError as exc:
        return await return_page_response(request, staff, 409, exc.message)
    except ReturnFormError as exc:
        return await return_page_response(request, staff, 422, str(exc))
    if (
        done == "accepted"
        and (await staff_return(pool, staff, return_id))["send_method"] == "courier_pickup"
    ):
        problem = await _book(request, staff, return_id)
        if problem:
            return await return_page_response(request, staff, 200, problem)
        done = "booked"
    raise web.HTTPSeeOther(location=f"/doi-tra/{return_id}?done={done}")


def _amount(form: Any) -> int:
    digits = "".join(c for c in _text(form, "amount") if c.isdigit())
    if not digits or len(digits) > 12:
        raise ReturnFormError("Hãy ghi số tiền hoàn (đồng).")
    return int(digits)


async def _apply(
    request: web.Request, staff: StaffUser, return_id: int, action: str, form: Any, reason: str
) -> str:
    pool = request.app[STAFF_PG_POOL]
    if action == "accept":
        send = _text(form, "send")
        if send not in ReturnSendMethod.__members__.values():
            raise ReturnFormError("Hãy chọn cách nhận lại hàng.")
        if send == ReturnSendMethod.COURIER_PICKUP and not await pickup_courier(
            pool, request.app[SETTINGS], await staff_return(pool, staff, return_id)
        ):
            raise ReturnFormError("Chưa cài đặt hãng vận chuyển: hãy chọn để khách tự gửi hàng.")
        await accept_return(pool, staff, return_id, ReturnSendMethod(send), reason)
        return "accepted"
    if action == "refuse":
        if not reason:
            raise ReturnFormError("Hãy ghi lý do từ chối để báo cho khách.")
        await refuse_return(pool, staff, return_id, reason)
        return "refused"
    if action == "book":
        problem = await _book(request, staff, return_id)
        if problem:
            raise ReturnRefusedError(problem)
        return "booked"
    if action == "receive":
        lines = await return_lines(pool, staff, return_id)
        restock = {int(r["id"]): form.get(f"restock_{r['id']}") == "1" for r in lines}
        await tell_buyers(request, await receive_return(pool, staff, return_id, restock))
        return "received"
    if action == "refund":
        method = _text(form, "method")
        if method not in RefundMethod.__members__.values():
            raise ReturnFormError("Hãy chọn cách hoàn tiền.")
        await record_refund(pool, staff, return_id, RefundMethod(method), _amount(form))
        return "refund"
    await settle_refund(pool, staff, return_id)
    return "settled"


def _action(name: str) -> Any:
    @staff_page(Area.ORDERS)
    async def handler(request: web.Request, staff: StaffUser) -> web.StreamResponse:
        return await _act(request, staff, name)

    handler.__name__ = f"return_{name}"
    return handler


ACTIONS = {"dong-y": "accept", "tu-choi": "refuse", "dat-lay-hang": "book", "da-nhan": "receive",
           "hoan-tien": "refund", "da-chuyen": "settle"}  # fmt: skip


def setup(app: web.Application) -> None:
    app.router.add_get("/doi-tra", returns_page, name="staff_returns")
    app.router.add_post("/doi-tra/thoi-han", set_window, name="staff_return_window")
    app.router.add_get("/doi-tra/{id}", return_page, name="staff_return")
    app.router.add_get("/doi-tra/{id}/anh/{photo}", return_photo, name="staff_return_photo")
    for path, action in ACTIONS.items():
        app.router.add_post(
            f"/doi-tra/{{id}}/{path}", _action(action), name=f"staff_return_{action}"
        )
