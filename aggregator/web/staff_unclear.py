"""The unclear-comments queue: GET /chua-ro; POST /chua-ro/{kind}/{id} puts the chosen product on
the buyer's order, POST /chua-ro/{kind}/{id}/bo-qua dismisses it as not an order. kind is
"dong" (an unclear order line) or "binh-luan" (an order comment that made no line)."""

from __future__ import annotations

from aiohttp import web

from aggregator.confirmation.messages import enqueue_order_messages
from aggregator.core.reports import local
from aggregator.core.staff import Area
from aggregator.errors import BadInputError, NotFoundError
from aggregator.orders.edits import MAX_QTY, ActionRefusedError
from aggregator.staff.accounts import StaffUser
from aggregator.staff.unclear import (
    Choice,
    catalogue,
    dismiss_comment,
    dismiss_line,
    resolve_comment,
    resolve_line,
    unclear_queue,
)
from aggregator.web.forms import posted_form
from aggregator.web.keys import ARQ_POOL, SETTINGS, STAFF_PG_POOL
from aggregator.web.paths import path_id
from aggregator.web.staff_auth import render, staff_page
from aggregator.web.staff_text import STATUS_TEXT

KINDS = {"dong": "line", "binh-luan": "comment"}
NOTICES = {
    "held": "Đã thêm vào đơn, đã giữ hàng.",
    "waitlisted": "Đã thêm vào đơn, hết hàng nên khách vào danh sách chờ.",
    "requested": "Đã thêm vào đơn.",
    "dismissed": "Đã bỏ qua: không phải đặt hàng.",
}


class ChoiceError(BadInputError, ValueError):
    """A resolve form that does not name a product and a quantity; the message is for staff."""


def parse_choice(fields: dict[str, str]) -> Choice:
    """`product` is "<product id>:<variant>", `qty` a whole number from 1 to MAX_QTY."""
    product_id, _, variant = fields.get("product", "").partition(":")
    if not product_id.isdecimal() or len(product_id) > 18:
        raise ChoiceError("Hãy chọn sản phẩm.")
    qty = fields.get("qty", "").strip()
    if not qty.isdecimal() or not 1 <= int(qty) <= MAX_QTY:
        raise ChoiceError(f"Số lượng phải là số nguyên từ 1 đến {MAX_QTY}.")
    return Choice(int(product_id), variant.strip()[:50], int(qty))


async def tell_buyers(request: web.Request, order_ids: list[int]) -> None:
    """After the commit, as a merge does: each changed order's buyer gets the new summary (and a
    promoted buyer learns their item is held), coalesced per order and time bucket."""
    if order_ids:
        delay = request.app[SETTINGS].buyer_message_delay_s
        await enqueue_order_messages(request.app[ARQ_POOL], order_ids, delay)


def _target(request: web.Request) -> tuple[str, int]:
    kind = KINDS.get(request.match_info["kind"])
    if kind is None:
        raise web.HTTPNotFound()
    return kind, path_id(request)


async def _page(
    request: web.Request, staff: StaffUser, status: int = 200, message: str = ""
) -> web.Response:
    pool = request.app[STAFF_PG_POOL]
    products = await catalogue(pool, staff)
    context = {
        "staff": staff, "csrf": staff.csrf_token, "message": message,
        "items": await unclear_queue(pool, staff, products), "products": products,
        "by_id": {p["id"]: p for p in products}, "local": local,
        "status_text": STATUS_TEXT, "notice": NOTICES.get(request.query.get("done", ""), ""),
    }  # fmt: skip
    return render(request, "staff_unclear.html", context, status=status)


@staff_page(Area.ORDERS)
async def unclear_page(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    return await _page(request, staff)


@staff_page(Area.ORDERS)
async def resolve(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    kind, item = _target(request)
    form = await posted_form(request)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    pool = request.app[STAFF_PG_POOL]
    try:
        choice = parse_choice(fields)
        if kind == "line":
            order_id, status = await resolve_line(pool, staff, item, choice)
        else:
            window = request.app[SETTINGS].confirm_window_s
            order_id, status = await resolve_comment(pool, staff, item, choice, window)
    except ChoiceError as exc:
        return await _page(request, staff, 422, str(exc))
    except ActionRefusedError as exc:
        return await _page(request, staff, 409, str(exc))
    except NotFoundError:
        raise web.HTTPNotFound() from None
    await tell_buyers(request, [order_id])
    raise web.HTTPSeeOther(location=f"/chua-ro?done={status.value}")


@staff_page(Area.ORDERS)
async def dismiss(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    kind, item = _target(request)
    pool = request.app[STAFF_PG_POOL]
    try:
        if kind == "line":
            await dismiss_line(pool, staff, item)
        else:
            await dismiss_comment(pool, staff, item)
    except ActionRefusedError as exc:
        return await _page(request, staff, 409, str(exc))
    except NotFoundError:
        raise web.HTTPNotFound() from None
    raise web.HTTPSeeOther(location="/chua-ro?done=dismissed")


def setup(app: web.Application) -> None:
    app.router.add_get("/chua-ro", unclear_page, name="staff_unclear")
    app.router.add_post("/chua-ro/{kind}/{id}", resolve, name="staff_unclear_resolve")
    app.router.add_post("/chua-ro/{kind}/{id}/bo-qua", dismiss, name="staff_unclear_dismiss")
