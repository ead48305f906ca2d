"""Packing pages: GET /dong-goi (claim button, my open orders), POST /dong-goi/nhan (claim next),
GET /dong-goi/{id} (pick list and scan form), POST /dong-goi/{id}/quet (barcode scan -> packed),
GET /dong-goi/{id}/phieu.pdf (the order's packing slip), GET /dong-goi/{id}/nhan-tiktok.pdf
(TikTok's own label of an order TikTok ships, stored by platforms/tiktok/fulfilment.py)."""

from __future__ import annotations

import asyncio

from aiohttp import web

from aggregator.core.money import format_vnd
from aggregator.core.staff import Area, scan_matches
from aggregator.orders.money import ShipBlockedError
from aggregator.shipping.slip_pdf import render_slips
from aggregator.shipping.slips import order_slip
from aggregator.staff.accounts import StaffUser
from aggregator.staff.data_access import BOTH, log_reads
from aggregator.staff.packing import NotYourPackingError, claim_next, my_packing, pack_scanned
from aggregator.staff.queue import order_view
from aggregator.web.forms import posted_form
from aggregator.web.keys import ARQ_POOL, SETTINGS, STAFF_PG_POOL
from aggregator.web.paths import path_id
from aggregator.web.staff_auth import render, staff_page
from aggregator.web.staff_text import STATUS_TEXT
from schema.queries import query

NOTICES = {
    "none": "Không còn đơn nào chờ đóng gói.",
    "packed": "Đã đóng gói xong, đơn đã chuyển cho đơn vị vận chuyển.",
}
NOT_YOURS = "Đơn này do người khác nhận đóng gói: chỉ người đã nhận đơn hoặc giám đốc được quét."


@staff_page(Area.PACKING)
async def packing_home(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    context = {
        "staff": staff, "csrf": staff.csrf_token,
        "mine": await my_packing(request.app[STAFF_PG_POOL], staff),
        "notice": NOTICES.get(request.query.get("done", ""), ""),
    }  # fmt: skip
    return render(request, "staff_packing.html", context)


@staff_page(Area.PACKING)
async def claim(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    order_id = await claim_next(request.app[STAFF_PG_POOL], staff)
    if order_id is None:
        raise web.HTTPSeeOther(location="/dong-goi?done=none")
    raise web.HTTPSeeOther(location=f"/dong-goi/{order_id}")


async def _pick_list(
    request: web.Request, staff: StaffUser, status: int = 200, message: str = ""
) -> web.Response:
    pool = request.app[STAFF_PG_POOL]
    view = await order_view(pool, staff, path_id(request))
    if view is None:
        raise web.HTTPNotFound()
    tiktok = await pool.fetchrow(query("tiktok_label_state"), staff.tenant_id, view.order["id"])
    context = {
        "staff": staff, "csrf": staff.csrf_token, "view": view, "o": view.order,
        "status_text": STATUS_TEXT, "vnd": format_vnd, "message": message,
        "tiktok": tiktok if tiktok is not None and tiktok["platform_ships"] else None,
    }  # fmt: skip
    return render(request, "staff_pick.html", context, status=status)


@staff_page(Area.PACKING)
async def pick_list(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    return await _pick_list(request, staff)


@staff_page(Area.PACKING)
async def scan(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    order_id = path_id(request)
    view = await order_view(request.app[STAFF_PG_POOL], staff, order_id)
    if view is None:
        raise web.HTTPNotFound()
    form = await posted_form(request)
    scanned = form.get("barcode")
    if not isinstance(scanned, str) or not scan_matches(view.order["order_no"], scanned):
        return await _pick_list(request, staff, 422, "Mã vạch không khớp với đơn này.")
    try:
        packed = await pack_scanned(
            request.app[STAFF_PG_POOL], request.app[ARQ_POOL], staff, order_id
        )
    except ShipBlockedError as exc:
        return await _pick_list(request, staff, 409, exc.staff_message)
    except NotYourPackingError:
        return await _pick_list(request, staff, 403, NOT_YOURS)
    if not packed:
        return await _pick_list(request, staff, 409, "Đơn không ở trạng thái đang đóng gói.")
    raise web.HTTPSeeOther(location="/dong-goi?done=packed")


@staff_page(Area.PACKING)
async def slip(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    """The A6 packing slip of one order (barcode, QR, items, COD), to print at the table."""
    async with request.app[STAFF_PG_POOL].acquire() as conn:
        base = request.app[SETTINGS].base_url.rstrip("/")
        found = await order_slip(conn, staff.tenant_id, path_id(request), base)
    if found is None:
        raise web.HTTPNotFound()
    await log_reads(request.app[STAFF_PG_POOL], staff, [path_id(request)], BOTH, "packing_slip")
    pdf = await asyncio.to_thread(render_slips, [found])
    headers = {
        "Content-Disposition": f'inline; filename="phieu-{found.order_no}.pdf"',
        "Cache-Control": "no-store",
    }
    return web.Response(body=pdf, content_type="application/pdf", headers=headers)


@staff_page(Area.PACKING)
async def tiktok_label(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    """TikTok's label of an order TikTok ships, as chotdon downloaded it (TikTok's URL expires)."""
    row = await request.app[STAFF_PG_POOL].fetchrow(
        query("tiktok_label_of_order"), staff.tenant_id, path_id(request)
    )
    if row is None:
        raise web.HTTPNotFound()
    headers = {
        "Content-Disposition": f'inline; filename="nhan-tiktok-{row["order_no"]}.pdf"',
        "Cache-Control": "no-store",
    }
    return web.Response(body=row["label_pdf"], content_type="application/pdf", headers=headers)


def setup(app: web.Application) -> None:
    app.router.add_get("/dong-goi", packing_home, name="staff_packing")
    app.router.add_post("/dong-goi/nhan", claim, name="staff_packing_claim")
    app.router.add_get("/dong-goi/{id}", pick_list, name="staff_pick_list")
    app.router.add_post("/dong-goi/{id}/quet", scan, name="staff_packing_scan")
    app.router.add_get("/dong-goi/{id}/phieu.pdf", slip, name="staff_packing_slip")
    app.router.add_get("/dong-goi/{id}/nhan-tiktok.pdf", tiktok_label, name="staff_tiktok_label")
