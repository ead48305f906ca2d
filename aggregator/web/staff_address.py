"""Staff pages about couriers: POST /don/{id}/dia-chi (correct the address of an order the
courier refused, which books the parcel again), GET /don/{id}/nhan-van-chuyen (the courier's own
label), and the director's block list at /chan (add, remove)."""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp
import structlog
from aiohttp import web

from aggregator.core.staff import Area
from aggregator.errors import ConfigurationError
from aggregator.shipping.couriers import Couriers
from aggregator.staff.accounts import StaffUser
from aggregator.staff.courier import (
    block_phone,
    blocked_phones,
    fix_address,
    read_address_form,
    read_block_form,
    unblock_phone,
)
from aggregator.staff.data_access import BOTH, log_reads
from aggregator.web.forms import posted_form
from aggregator.web.keys import ARQ_POOL, SETTINGS, STAFF_PG_POOL
from aggregator.web.paths import path_id
from aggregator.web.staff_auth import render, staff_page
from connectors.couriers.errors import CourierError
from schema.enums import Courier
from schema.queries import query

log = structlog.get_logger()
NOTICES = {
    "added": "Đã thêm số vào danh sách chặn.",
    "removed": "Đã bỏ chặn số này.",
    "missing": "Số này không có trong danh sách chặn.",
}


def _form_text(form: Mapping[str, object]) -> dict[str, str]:
    return {str(k): v for k, v in form.items() if isinstance(v, str)}


@staff_page(Area.ORDERS)
async def fix(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    order_id = path_id(request)
    read = read_address_form(_form_text(await posted_form(request)))
    if read.errors:
        fields = ",".join(sorted(read.errors))
        raise web.HTTPSeeOther(
            location=f"/don/{order_id}?tinh={read.province}&loi={fields}#sua-dia-chi"
        )
    pool, arq = request.app[STAFF_PG_POOL], request.app[ARQ_POOL]
    done = await fix_address(pool, arq, staff, order_id, read)
    raise web.HTTPSeeOther(location=f"/don/{order_id}?done={'address' if done else 'refused'}")


@staff_page(Area.PACKING)
async def courier_label(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    """The courier's label of the order's parcel, fetched through the courier port now (GHN's and
    Viettel Post's print links expire, so they are never stored)."""
    row = await request.app[STAFF_PG_POOL].fetchrow(
        query("staff_order_courier"), staff.tenant_id, path_id(request)
    )
    if row is None:  # not an order of this cooperative: as if it did not exist
        raise web.HTTPNotFound()
    if not row["tracking_code"]:
        return _no_label(request, staff, "Đơn chưa có mã vận đơn của hãng vận chuyển.")
    couriers = Couriers(request.app[SETTINGS], aiohttp.ClientSession())
    try:
        adapter = await couriers.for_tenant(
            request.app[STAFF_PG_POOL], staff.tenant_id, Courier(row["courier"])
        )
        label = await adapter.label(row["tracking_code"])
    except ConfigurationError:  # the parcel was booked under a token this process lacks
        log.error("shipment.label_unconfigured", courier=row["courier"])
        return _no_label(request, staff, "Chưa cài đặt tài khoản hãng vận chuyển này để lấy nhãn.")
    except CourierError as exc:
        log.warning("shipment.label_failed", courier=row["courier"], code=exc.code)
        return _no_label(request, staff, "Hãng vận chuyển chưa trả nhãn, thử lại sau ít phút.")
    finally:
        await couriers.close()
    await log_reads(request.app[STAFF_PG_POOL], staff, [path_id(request)], BOTH, "courier_label")
    if label.pdf:
        name = f"nhan-{row['tracking_code']}.pdf".replace('"', "")
        return web.Response(
            body=label.pdf, content_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{name}"'},
        )  # fmt: skip
    raise web.HTTPSeeOther(location=label.url)


def _no_label(request: web.Request, staff: StaffUser, message: str) -> web.StreamResponse:
    context = {"staff": staff, "csrf": staff.csrf_token, "message": message}
    return render(request, "staff_problem.html", context, status=409)


@staff_page(Area.BLOCKLIST)
async def block_list(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    return await _block_page(request, staff)


async def _block_page(
    request: web.Request,
    staff: StaffUser,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> web.StreamResponse:
    context = {
        "staff": staff, "csrf": staff.csrf_token, "errors": errors or {},
        "values": values or {}, "notice": NOTICES.get(request.query.get("done", ""), ""),
        "blocked": await blocked_phones(request.app[STAFF_PG_POOL], staff.tenant_id),
    }  # fmt: skip
    return render(request, "staff_blocklist.html", context, status=422 if errors else 200)


@staff_page(Area.BLOCKLIST)
async def block(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    read = read_block_form(_form_text(await posted_form(request)))
    if read.errors:
        return await _block_page(
            request, staff, read.errors, {"phone": read.phone, "reason": read.reason}
        )
    await block_phone(
        request.app[STAFF_PG_POOL], staff.tenant_id, read.phone, read.reason, f"staff:{staff.id}"
    )
    raise web.HTTPSeeOther(location="/chan?done=added")


@staff_page(Area.BLOCKLIST)
async def unblock(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    phone = _form_text(await posted_form(request)).get("phone", "")[:20]
    found = await unblock_phone(request.app[STAFF_PG_POOL], staff.tenant_id, phone)
    raise web.HTTPSeeOther(location=f"/chan?done={'removed' if found else 'missing'}")


def setup(app: web.Application) -> None:
    app.router.add_post("/don/{id}/dia-chi", fix, name="staff_order_address")
    app.router.add_get("/don/{id}/nhan-van-chuyen", courier_label, name="staff_courier_label")
    app.router.add_get("/chan", block_list, name="staff_blocklist")
    app.router.add_post("/chan/them", block, name="staff_block")
    app.router.add_post("/chan/bo", unblock, name="staff_unblock")
