"""Order-page actions: POST /don/{id}/sua (line quantities, add a product), POST /don/{id}/gop
(merge the buyer's linked orders into this one), POST /don/{id}/huy (cancel with a reason), and
GET /don/{id}/nhat-ky.csv (the order's full event log). Each goes through aggregator/orders."""

from __future__ import annotations

from aiohttp import web
from multidict import MultiDictProxy

from aggregator.core.staff import Area
from aggregator.errors import BadInputError, NotFoundError
from aggregator.orders.edits import MAX_QTY, ActionRefusedError
from aggregator.staff.accounts import StaffUser
from aggregator.staff.actions import (
    DEFAULT_EDIT_REASON,
    Edit,
    cancel_by_staff,
    edit_order,
    merge_linked,
)
from aggregator.staff.queue import order_view
from aggregator.staff.reports import log_csv, order_log
from aggregator.web.forms import posted_form
from aggregator.web.keys import STAFF_PG_POOL
from aggregator.web.paths import path_id
from aggregator.web.staff_auth import staff_page
from aggregator.web.staff_orders import order_page_response
from aggregator.web.staff_reports import download
from aggregator.web.staff_unclear import ChoiceError, parse_choice, tell_buyers

MAX_REASON = 200
MERGE_REASON = "cùng một khách (liên kết qua số điện thoại)"

Form = MultiDictProxy[str | bytes | bytearray | web.FileField]


class FormError(BadInputError, ValueError):
    """The form cannot be used as sent; the message is Vietnamese, for staff."""


def _text(form: Form, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _reason(form: Form, default: str = "") -> str:
    reason = _text(form, "reason") or default
    if not reason:
        raise FormError("Hãy ghi lý do.")
    if len(reason) > MAX_REASON:
        raise FormError(f"Lý do dài quá {MAX_REASON} ký tự.")
    return reason


def parse_edit(form: Form) -> Edit:
    quantities: dict[int, int] = {}
    for name, value in form.items():
        if not name.startswith("qty-") or not isinstance(value, str):
            continue
        line_id, qty = name[4:], value.strip()
        if not line_id.isdecimal() or len(line_id) > 18:
            raise FormError("Dòng hàng không hợp lệ.")
        if not qty.isdecimal() or int(qty) > MAX_QTY:
            raise FormError(f"Số lượng phải là số nguyên từ 0 đến {MAX_QTY} (0 là bỏ dòng).")
        quantities[int(line_id)] = int(qty)
    add = None
    if _text(form, "product"):
        try:
            add = parse_choice({"product": _text(form, "product"), "qty": _text(form, "qty")})
        except ChoiceError as exc:
            raise FormError(str(exc)) from None
    return Edit(quantities, add, _reason(form, DEFAULT_EDIT_REASON))


async def _act(request: web.Request, staff: StaffUser, done: str) -> web.StreamResponse:
    order_id = path_id(request)
    form = await posted_form(request)
    pool = request.app[STAFF_PG_POOL]
    try:
        if done == "edited":
            touched = await edit_order(pool, staff, order_id, parse_edit(form))
        elif done == "merged":
            ids = [v for v in form.getall("merge", []) if isinstance(v, str)]
            if not ids or not all(v.isdecimal() and len(v) <= 18 for v in ids):
                raise FormError("Hãy chọn đơn cần gộp.")
            await merge_linked(pool, staff, order_id, [int(v) for v in ids], MERGE_REASON)
            touched = [order_id]
        else:
            touched = await cancel_by_staff(pool, staff, order_id, _reason(form))
    except FormError as exc:
        return await order_page_response(request, staff, 422, str(exc))
    except ActionRefusedError as exc:
        return await order_page_response(request, staff, 409, str(exc))
    except NotFoundError:
        raise web.HTTPNotFound() from None
    await tell_buyers(request, touched)
    raise web.HTTPSeeOther(location=f"/don/{order_id}?done={done}")


@staff_page(Area.ORDERS)
async def edit(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    return await _act(request, staff, "edited")


@staff_page(Area.ORDERS)
async def merge(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    return await _act(request, staff, "merged")


@staff_page(Area.ORDERS)
async def cancel(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    return await _act(request, staff, "cancelled")


@staff_page(Area.ORDERS)
async def event_log_csv(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    order_id = path_id(request)
    pool = request.app[STAFF_PG_POOL]
    view = await order_view(pool, staff, order_id)
    if view is None:
        raise web.HTTPNotFound()
    rows = await order_log(pool, staff, order_id)
    name = f"nhat-ky-{view.order['order_no']}.csv"
    return download(log_csv(rows), "text/csv; charset=utf-8", name)


def setup(app: web.Application) -> None:
    app.router.add_post("/don/{id}/sua", edit, name="staff_order_edit")
    app.router.add_post("/don/{id}/gop", merge, name="staff_order_merge")
    app.router.add_post("/don/{id}/huy", cancel, name="staff_order_cancel")
    app.router.add_get("/don/{id}/nhat-ky.csv", event_log_csv, name="staff_order_log_csv")
