"""The buyer's return page: GET/POST /o/{token}/doi-tra, opened from the order link.

The same signed link and form proof as the order page (aggregator/web/buyer.py): the link opens
only its own order; the form carries an HMAC of the link and a nonce kept in a SameSite=Strict
cookie. Photos come straight from the phone's camera or gallery (multipart), are re-encoded in a
thread (no EXIF/GPS kept) and stored with the request. Nothing is kept unless every field is
right; a wrong field comes back with its own Vietnamese message and what was typed.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime
from typing import Any

import aiohttp_jinja2
import structlog
from aiohttp import web

from aggregator.confirmation.errors import BuyerFacingError, FormExpiredError
from aggregator.confirmation.links import form_key
from aggregator.confirmation.summary import VIETNAM
from aggregator.core.banks import BANKS
from aggregator.core.links import check_form_proof, form_proof
from aggregator.core.money import format_vnd
from aggregator.core.returns import (
    CAUSE_TEXT,
    MAX_PHOTOS,
    RETURN_STATUS_TEXT,
    SEND_TEXT,
    read_return_form,
    window_days,
)
from aggregator.shipping.request import sender_of
from aggregator.staff.photos import PHOTO_UPLOAD_MAX_BYTES, FittedPhoto, PhotoError, fit_photo
from aggregator.staff.returns import ReturnRefusedError, buyer_return, open_return
from aggregator.web.buyer import NONCE_COOKIE, SECURITY_HEADERS, _order_id, _problem_page
from aggregator.web.forms import posted_form
from aggregator.web.keys import PG_POOL, SETTINGS
from schema.enums import ReturnCause
from schema.states import ReturnStatus

log = structlog.get_logger()
RETURN_POST_ROUTE = "buyer_return_post"
RETURN_FORM_MAX_BYTES = 30 * 1024 * 1024  # up to three phone photos and the fields
RETURN_BODIES = {RETURN_POST_ROUTE: RETURN_FORM_MAX_BYTES}
COURIER_TEXT = {"ghn": "Giao Hàng Nhanh", "ghtk": "Giao Hàng Tiết Kiệm",
                "viettelpost": "Viettel Post"}  # fmt: skip
SENT = "Đã gửi yêu cầu trả hàng. Shop sẽ xem và trả lời bạn sớm."


def _local(moment: datetime | None) -> str:
    return moment.astimezone(VIETNAM).strftime("%H:%M ngày %d/%m/%Y") if moment else ""


async def _render(
    request: web.Request, nonce: str, status: int = 200, **extra: Any
) -> web.Response:
    token = request.match_info["token"]
    order_id = _order_id(request)
    view = await buyer_return(request.app[PG_POOL], order_id, datetime.now(UTC))
    if view is None:
        raise web.HTTPNotFound()
    order = view.order
    context: dict[str, Any] = {
        "order": order, "lines": view.lines, "open_now": view.open_now, "token": token,
        "deadline": _local(view.deadline), "days": window_days(order["tenant_settings"] or {}),
        "proof": form_proof(form_key(request.app[SETTINGS]), token, nonce),
        "causes": CAUSE_TEXT, "banks": sorted(BANKS.items(), key=lambda b: b[1]),
        "status_text": RETURN_STATUS_TEXT, "send_text": SEND_TEXT, "vnd": format_vnd,
        "courier_text": COURIER_TEXT, "max_photos": MAX_PHOTOS, "errors": {}, "values": {},
        "ship_to": sender_of(order),
        "requested_at": _local(order["return_created_at"]), "notice": "",
        "cause_of": lambda c: CAUSE_TEXT.get(ReturnCause(c), "") if c else "",
        "return_status": ReturnStatus(order["return_status"]) if order["return_status"] else None,
    }  # fmt: skip
    context.update(extra)
    response = aiohttp_jinja2.render_template("buyer_return.html", request, context, status=status)
    response.headers.update(SECURITY_HEADERS)
    response.set_cookie(
        NONCE_COOKIE, nonce, path=f"/o/{token}", httponly=True, samesite="Strict",
        secure=request.app[SETTINGS].base_url.startswith("https://"),
        max_age=request.app[SETTINGS].buyer_link_ttl_s,
    )  # fmt: skip
    return response


async def show_return(request: web.Request) -> web.Response:
    try:
        nonce = request.cookies.get(NONCE_COOKIE) or secrets.token_urlsafe(18)
        done = SENT if "done" in request.query else ""
        return await _render(request, nonce, notice=done)
    except BuyerFacingError as exc:
        return _problem_page(request, exc)


async def _photos(form: Any) -> list[FittedPhoto]:
    uploads = [f for f in form.getall("photo", []) if isinstance(f, web.FileField)]
    datas = [u.file.read(PHOTO_UPLOAD_MAX_BYTES + 1) for u in uploads][: MAX_PHOTOS + 1]
    datas = [d for d in datas if d]
    if len(datas) > MAX_PHOTOS:
        raise PhotoError(f"Gửi tối đa {MAX_PHOTOS} ảnh.")
    if any(len(d) > PHOTO_UPLOAD_MAX_BYTES for d in datas):
        raise PhotoError("Ảnh lớn quá. Hãy chọn ảnh nhỏ hơn.")
    return [await asyncio.to_thread(fit_photo, d) for d in datas]


async def post_return(request: web.Request) -> web.Response:
    try:
        order_id = _order_id(request)
    except BuyerFacingError as exc:
        return _problem_page(request, exc)
    form = await posted_form(request)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    nonce = request.cookies.get(NONCE_COOKIE, "")
    view = await buyer_return(request.app[PG_POOL], order_id, datetime.now(UTC))
    if view is None:
        raise web.HTTPNotFound()
    bought = {int(r["id"]): int(r["qty"]) for r in view.lines}
    reading = read_return_form(fields, bought)
    errors = dict(reading.errors)
    try:
        token = request.match_info["token"]
        if not check_form_proof(
            form_key(request.app[SETTINGS]), token, nonce, fields.get("proof", "")
        ):
            raise FormExpiredError("form proof does not match the cookie")
        photos = await _photos(form)
        if reading.request is not None and not errors:
            now = datetime.now(UTC)
            await open_return(request.app[PG_POOL], order_id, reading.request, photos, now)
            raise web.HTTPSeeOther(location=f"/o/{token}/doi-tra?done=1")
    except PhotoError as exc:
        errors["photo"] = str(exc)
    except FormExpiredError as exc:
        fresh = nonce or secrets.token_urlsafe(18)
        return await _render(request, fresh, 400, notice=exc.buyer_message, values=fields)
    except ReturnRefusedError as exc:
        return await _render(request, nonce, 409, notice=exc.message, values=fields)
    log.info("return.form_refused", order_id=order_id, fields=sorted(errors))
    return await _render(
        request, nonce, 422, errors=errors, values=fields,
        notice="Vui lòng kiểm tra lại các ô được đánh dấu.",
    )  # fmt: skip


def setup(app: web.Application) -> None:
    app.router.add_get("/o/{token}/doi-tra", show_return, name="buyer_return")
    app.router.add_post("/o/{token}/doi-tra", post_return, name=RETURN_POST_ROUTE)
