"""The director's catalogue pages: GET/POST /san-pham (list, new, edit), photos, CSV import.

Director only (Area.SETUP). A product id in the URL is looked up with the director's tenant id,
so another cooperative's product answers 404.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from aggregator.core.catalogue import FIELDS
from aggregator.core.money import format_vnd
from aggregator.core.staff import Area
from aggregator.core.variants import format_variants, variant_inputs
from aggregator.staff.accounts import StaffUser
from aggregator.staff.catalogue import (
    MAX_IMPORT_ROWS,
    SetupFormError,
    apply_import,
    csv_template,
    get_photo,
    get_product,
    list_products,
    preview_import,
    save_photo,
    save_product,
)
from aggregator.staff.photos import PHOTO_FORM_MAX_BYTES, PHOTO_SIDE_PX, PHOTO_UPLOAD_MAX_BYTES
from aggregator.web.forms import posted_form
from aggregator.web.keys import STAFF_PG_POOL
from aggregator.web.paths import path_id
from aggregator.web.staff_auth import render, staff_page

MAX_CSV_CHARS = 512 * 1024
NOTICES = {
    "saved": "Đã lưu sản phẩm.",
    "created": "Đã thêm sản phẩm.",
    "photo": "Đã lưu ảnh sản phẩm.",
}


def _context(staff: StaffUser, **more: Any) -> dict[str, Any]:
    return {"staff": staff, "csrf": staff.csrf_token, "vnd": format_vnd, **more}


def _form_values(row: Any) -> dict[str, str]:
    """A stored product as the form shows it (lists joined with commas)."""
    values = {name: "" if row[name] is None else str(row[name]) for name in FIELDS}
    values["aliases"] = ", ".join(row["aliases"])
    values["variants"] = format_variants(variant_inputs(row["variant_details"]))
    values["active"] = "1" if row["active"] else ""
    return values


async def _fields(request: web.Request) -> dict[str, str]:
    form = await posted_form(request)
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf"}


@staff_page(Area.SETUP)
async def products(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    rows = await list_products(request.app[STAFF_PG_POOL], staff.tenant_id)
    notice = NOTICES.get(request.query.get("done", ""), "")
    return render(request, "staff_products.html", _context(staff, products=rows, notice=notice))


def _product_form(
    request: web.Request,
    staff: StaffUser,
    values: dict[str, str],
    product: Any = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    context = _context(
        staff, values=values, product=product, errors=errors or {},
        notice=NOTICES.get(request.query.get("done", ""), ""),
        max_photo_mb=PHOTO_UPLOAD_MAX_BYTES // (1024 * 1024), photo_side_px=PHOTO_SIDE_PX,
    )  # fmt: skip
    return render(request, "staff_product_form.html", context, status=status)


@staff_page(Area.SETUP)
async def new_product(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    return _product_form(request, staff, {"active": "1"})


@staff_page(Area.SETUP)
async def create_product(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    fields = await _fields(request)
    try:
        product_id = await save_product(request.app[STAFF_PG_POOL], staff.tenant_id, fields)
    except SetupFormError as exc:
        return _product_form(request, staff, fields, errors=exc.errors, status=400)
    raise web.HTTPSeeOther(location=f"/san-pham/{product_id}?done=created")


@staff_page(Area.SETUP)
async def edit_product(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    product = await get_product(request.app[STAFF_PG_POOL], staff.tenant_id, path_id(request))
    if product is None:
        raise web.HTTPNotFound()
    return _product_form(request, staff, _form_values(product), product)


@staff_page(Area.SETUP)
async def update_product(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    pool, product_id = request.app[STAFF_PG_POOL], path_id(request)
    product = await get_product(pool, staff.tenant_id, product_id)
    if product is None:
        raise web.HTTPNotFound()
    fields = await _fields(request)
    try:
        await save_product(pool, staff.tenant_id, fields, product_id)
    except SetupFormError as exc:
        return _product_form(request, staff, fields, product, exc.errors, status=400)
    raise web.HTTPSeeOther(location=f"/san-pham/{product_id}?done=saved")


@staff_page(Area.SETUP)
async def upload_photo(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    pool, product_id = request.app[STAFF_PG_POOL], path_id(request)
    product = await get_product(pool, staff.tenant_id, product_id)
    if product is None:
        raise web.HTTPNotFound()
    upload = (await posted_form(request)).get("photo")  # up to PHOTO_FORM_MAX_BYTES: LARGER_BODIES
    data = (
        upload.file.read(PHOTO_UPLOAD_MAX_BYTES + 1) if isinstance(upload, web.FileField) else b""
    )
    try:
        if not data:
            raise SetupFormError({"photo": "Hãy chọn một tệp ảnh."})
        await save_photo(pool, staff.tenant_id, product_id, data)
    except SetupFormError as exc:
        values = _form_values(product)
        return _product_form(request, staff, values, product, exc.errors, status=400)
    raise web.HTTPSeeOther(location=f"/san-pham/{product_id}?done=photo")


@staff_page(None)
async def photo(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    """Any staff member of the cooperative may see its product photos (pick lists, orders)."""
    found = await get_photo(request.app[STAFF_PG_POOL], staff.tenant_id, path_id(request))
    if found is None:
        raise web.HTTPNotFound()
    return web.Response(
        body=found["data"], content_type=found["content_type"],
        headers={"Content-Disposition": "inline", "Cache-Control": "private, max-age=300"},
    )  # fmt: skip


@staff_page(Area.SETUP)
async def template(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    return web.Response(
        body=("\ufeff" + csv_template()).encode(), content_type="text/csv", charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="san-pham-mau.csv"'},
    )  # fmt: skip


def _import_page(
    request: web.Request, staff: StaffUser, status: int = 200, **more: Any
) -> web.Response:
    context = _context(staff, max_rows=MAX_IMPORT_ROWS, **more)
    return render(request, "staff_product_import.html", context, status=status)


@staff_page(Area.SETUP)
async def import_form(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    return _import_page(request, staff)


async def _csv_text(request: web.Request) -> str:
    form = await posted_form(request)
    upload, pasted = form.get("file"), form.get("text")
    if isinstance(upload, web.FileField):
        raw = upload.file.read(MAX_CSV_CHARS * 4 + 1)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SetupFormError({"file": "Tệp phải lưu dạng CSV UTF-8."}) from None
        if text.strip():
            return text[: MAX_CSV_CHARS + 1]
    return pasted if isinstance(pasted, str) else ""


@staff_page(Area.SETUP)
async def import_post(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    """'Xem trước' shows each row's fate; 'Áp dụng' saves the good rows in one transaction."""
    pool = request.app[STAFF_PG_POOL]
    try:
        text = await _csv_text(request)
        if not text.strip() or len(text) > MAX_CSV_CHARS:
            raise SetupFormError({"file": "Hãy chọn tệp CSV (tối đa 512 KB) hoặc dán nội dung."})
        if (await posted_form(request)).get("action") == "apply":
            created, updated, skipped = await apply_import(pool, staff.tenant_id, text)
            done = {"created": created, "updated": updated, "skipped": skipped}
            return _import_page(request, staff, done=done)
        preview = await preview_import(pool, staff.tenant_id, text)
    except SetupFormError as exc:
        return _import_page(request, staff, 400, errors=exc.errors)
    status = 400 if preview.problem else 200
    return _import_page(request, staff, status, preview=preview, text=text)


PHOTO_POST_ROUTE = "setup_product_photo_post"
# Routes whose body may pass the app-wide limit (app.py hands this to the body_limit middleware).
LARGER_BODIES = {PHOTO_POST_ROUTE: PHOTO_FORM_MAX_BYTES}


def setup(app: web.Application) -> None:
    app.router.add_get("/san-pham", products, name="setup_products")
    app.router.add_get("/san-pham/moi", new_product, name="setup_product_new")
    app.router.add_post("/san-pham/moi", create_product, name="setup_product_create")
    app.router.add_get("/san-pham/mau.csv", template, name="setup_product_template")
    app.router.add_get("/san-pham/nhap", import_form, name="setup_product_import")
    app.router.add_post("/san-pham/nhap", import_post, name="setup_product_import_post")
    app.router.add_get("/san-pham/{id}", edit_product, name="setup_product")
    app.router.add_post("/san-pham/{id}", update_product, name="setup_product_update")
    app.router.add_post("/san-pham/{id}/anh", upload_photo, name=PHOTO_POST_ROUTE)
    app.router.add_get("/san-pham/{id}/anh", photo, name="setup_product_photo")
