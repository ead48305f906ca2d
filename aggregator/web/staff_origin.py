"""The director's origin pages: GET /san-pham/{id}/nguon-goc (batches and certificates of one
product), POST …/lo (add a batch), POST …/chung-nhan (add a certificate, with its scanned file).

Director only (Area.SETUP); the product is looked up with the director's tenant id, so another
cooperative's product answers 404. The public page of a batch is aggregator/web/origin_page.py.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from aggregator.core.origin import CERT_FILE_MAX_BYTES, CERT_KIND_TEXT, vn_day
from aggregator.core.staff import Area
from aggregator.errors import NotFoundError
from aggregator.staff.accounts import StaffUser
from aggregator.staff.origin import (
    CertificateFile,
    OriginFormError,
    add_batch,
    add_certificate,
    delete_batch,
    delete_certificate,
    product_origin,
)
from aggregator.web.forms import posted_form
from aggregator.web.keys import SETTINGS, STAFF_PG_POOL
from aggregator.web.paths import path_id
from aggregator.web.staff_auth import render, staff_page

NOTICES = {"lo": "Đã thêm lô hàng.", "chung-nhan": "Đã thêm giấy chứng nhận.",
           "xoa-lo": "Đã xoá lô hàng.", "xoa-chung-nhan": "Đã xoá giấy chứng nhận."}  # fmt: skip
CERT_POST_ROUTE = "setup_origin_certificate"
# The scanned certificate may pass the app-wide body limit (app.py reads this, like photos).
LARGER_BODIES = {CERT_POST_ROUTE: CERT_FILE_MAX_BYTES + 64 * 1024}


async def _page(
    request: web.Request, staff: StaffUser, status: int = 200, **more: Any
) -> web.Response:
    product_id = path_id(request)
    try:
        origin = await product_origin(request.app[STAFF_PG_POOL], staff.tenant_id, product_id)
    except NotFoundError:
        raise web.HTTPNotFound() from None
    context = {
        "staff": staff, "csrf": staff.csrf_token, "origin": origin, "day": vn_day,
        "kinds": CERT_KIND_TEXT, "errors": {}, "values": {}, "cert_errors": {},
        "cert_values": {}, "problem": "", "notice": NOTICES.get(request.query.get("done", ""), ""),
        "base": request.app[SETTINGS].base_url, **more,
    }  # fmt: skip
    return render(request, "staff_origin.html", context, status=status)


@staff_page(Area.SETUP)
async def origin_page(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    return await _page(request, staff)


def _texts(form: Any) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf"}


@staff_page(Area.SETUP)
async def batch_post(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    product_id = path_id(request)
    values = _texts(await posted_form(request))
    try:
        await add_batch(request.app[STAFF_PG_POOL], staff.tenant_id, product_id, values)
    except NotFoundError:
        raise web.HTTPNotFound() from None
    except OriginFormError as exc:
        return await _page(request, staff, 400, errors=exc.errors, values=values)
    raise web.HTTPSeeOther(location=f"/san-pham/{product_id}/nguon-goc?done=lo")


@staff_page(Area.SETUP)
async def certificate_post(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    product_id = path_id(request)
    form = await posted_form(request)
    values = _texts(form)
    field = form.get("file")
    upload = None
    if isinstance(field, web.FileField):
        data = field.file.read(CERT_FILE_MAX_BYTES + 1)
        upload = CertificateFile(field.content_type, field.filename or "", data)
    try:
        await add_certificate(
            request.app[STAFF_PG_POOL], staff.tenant_id, product_id, values, upload
        )
    except NotFoundError:
        raise web.HTTPNotFound() from None
    except OriginFormError as exc:
        return await _page(request, staff, 400, cert_errors=exc.errors, cert_values=values)
    raise web.HTTPSeeOther(location=f"/san-pham/{product_id}/nguon-goc?done=chung-nhan")


@staff_page(Area.SETUP)
async def batch_delete(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    product_id, batch = path_id(request), path_id(request, "batch")
    try:
        await delete_batch(request.app[STAFF_PG_POOL], staff.tenant_id, product_id, batch)
    except NotFoundError:
        raise web.HTTPNotFound() from None
    except OriginFormError as exc:
        return await _page(request, staff, 409, problem=str(exc))
    raise web.HTTPSeeOther(location=f"/san-pham/{product_id}/nguon-goc?done=xoa-lo")


@staff_page(Area.SETUP)
async def certificate_delete(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    product_id, cert = path_id(request), path_id(request, "cert")
    try:
        await delete_certificate(request.app[STAFF_PG_POOL], staff.tenant_id, product_id, cert)
    except NotFoundError:
        raise web.HTTPNotFound() from None
    raise web.HTTPSeeOther(location=f"/san-pham/{product_id}/nguon-goc?done=xoa-chung-nhan")


def setup(app: web.Application) -> None:
    app.router.add_get("/san-pham/{id}/nguon-goc", origin_page, name="setup_origin")
    app.router.add_post("/san-pham/{id}/nguon-goc/lo", batch_post, name="setup_origin_batch")
    app.router.add_post(
        "/san-pham/{id}/nguon-goc/chung-nhan", certificate_post, name=CERT_POST_ROUTE
    )
    app.router.add_post("/san-pham/{id}/nguon-goc/lo/{batch}/xoa", batch_delete,
                        name="setup_origin_batch_delete")  # fmt: skip
    app.router.add_post("/san-pham/{id}/nguon-goc/chung-nhan/{cert}/xoa", certificate_delete,
                        name="setup_origin_certificate_delete")  # fmt: skip
