"""The buyer's order page: GET /o/{token} shows the order, POST /o/{token} changes or confirms it.

No login: the signed token in the URL is the key, and it opens only the order it was made for.
A form also carries a proof (HMAC of the token and a nonce kept in a SameSite=Strict cookie
scoped to this link's path), so another site cannot post a confirmation in the buyer's name.
The page is plain HTML for 360 px screens; a few lines of our own JS fill the ward list.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import Any

import aiohttp_jinja2
import structlog
from aiohttp import web

from aggregator.confirmation.addresses import address_text, divisions
from aggregator.confirmation.errors import (
    BuyerFacingError,
    ConsentMissingError,
    FormError,
    FormExpiredError,
    GoneError,
    LinkNotValidError,
)
from aggregator.confirmation.forms import MESSAGES, read_form
from aggregator.confirmation.links import form_key, open_token
from aggregator.confirmation.qr import vietqr_data_uri
from aggregator.confirmation.service import BuyerRequest, submit
from aggregator.confirmation.summary import VIETNAM
from aggregator.confirmation.view import OrderPage, Prefill, load_order_page
from aggregator.core.links import LinkError, LinkProblem, check_form_proof, form_proof
from aggregator.core.money import format_vnd
from aggregator.core.privacy import Notice
from aggregator.orders.consent import BUYER_PAGE, Consent, notice_for
from aggregator.web import buyer_photos
from aggregator.web.forms import posted_form
from aggregator.web.keys import PG_POOL, SETTINGS
from schema.enums import ItemStatus, PaymentMethod
from schema.states import FINAL_STATUSES

log = structlog.get_logger()
NONCE_COOKIE = "cd_form"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",  # the link is the key: never leak it in a Referer
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}
STATUS_TEXT = {
    "draft": "Đang chờ xác nhận",
    "awaiting_confirmation": "Đang chờ bạn xác nhận",
    "confirmed": "Đã xác nhận",
    "packing": "Đang đóng gói",
    "packed": "Đã đóng gói, chờ giao cho đơn vị vận chuyển",
    "shipped": "Đang giao hàng",
    "delivered": "Đã giao hàng",
    "cancelled": "Đã huỷ",
    "expired": "Đã hết hạn xác nhận",
    "returned": "Đã hoàn hàng",
}
LINE_TEXT = {
    ItemStatus.HELD: "Đã giữ hàng",
    ItemStatus.REQUESTED: "",
    ItemStatus.WAITLISTED: "Tạm hết hàng: bạn đang trong danh sách chờ",
    ItemStatus.UNCLEAR: "Shop chưa đọc được mã sản phẩm, sẽ liên hệ bạn",
}


def _order_id(request: web.Request) -> int:
    try:
        return open_token(request.app[SETTINGS], request.match_info["token"])
    except LinkError as exc:
        log.info("buyer.link_refused", problem=exc.problem.value)
        if exc.problem is LinkProblem.EXPIRED:
            raise GoneError("order link expired") from exc
        raise LinkNotValidError(f"order link {exc.problem.value}") from exc


def _problem_page(request: web.Request, exc: BuyerFacingError) -> web.Response:
    response = aiohttp_jinja2.render_template(
        "buyer_problem.html", request, {"message": exc.buyer_message}, status=exc.http_status
    )
    response.headers.update(SECURITY_HEADERS)
    return response


def _qr(page: OrderPage) -> str | None:
    owed = page.total_vnd - page.paid_vnd  # a partial transfer: the QR asks for the balance
    if page.bank is None or owed <= 0 or page.paid_at is not None:
        return None
    return vietqr_data_uri(page.bank, owed, page.order_no)


def _pay_by(page: OrderPage) -> str:
    """When a buyer who must prepay has to have paid by, in Vietnam time ('' when not due)."""
    if page.payment_deadline is None or page.paid_at is not None:
        return ""
    return page.payment_deadline.astimezone(VIETNAM).strftime("%H:%M ngày %d/%m/%Y")


def _context(page: OrderPage, request: web.Request, nonce: str) -> dict[str, Any]:
    token = request.match_info["token"]
    units = divisions()
    return {
        "page": page,
        "token": token,
        "proof": form_proof(form_key(request.app[SETTINGS]), token, nonce),
        "vnd": format_vnd,
        "status_text": STATUS_TEXT.get(page.status.value, page.status.value),
        "line_text": LINE_TEXT,
        "provinces": units.provinces,
        "wards_of": units.wards,
        "address_text": address_text,
        "qr": _qr(page),
        "pay_by": _pay_by(page),
        "errors": {},
        "notice": "",
        "values": {},
        "messages": MESSAGES,
        "vietqr": PaymentMethod.VIETQR.value,
        "personal_hidden": page.status in FINAL_STATUSES,
    }


async def _render(
    request: web.Request, page: OrderPage, nonce: str, status: int = 200, **extra: Any
) -> web.Response:
    context = _context(page, request, nonce)
    notice = await notice_for(request.app[PG_POOL], page.tenant_id, page.tenant_name)
    context.update(privacy_notice=notice.body.split("\n"), consent_error=CONSENT_ERROR)
    context.update(extra)
    response = aiohttp_jinja2.render_template("buyer_order.html", request, context, status=status)
    response.headers.update(SECURITY_HEADERS)
    response.set_cookie(
        NONCE_COOKIE,
        nonce,
        path=request.path,
        httponly=True,
        samesite="Strict",
        secure=request.app[SETTINGS].base_url.startswith("https://"),
        max_age=request.app[SETTINGS].buyer_link_ttl_s,
    )
    return response


async def _page(request: web.Request, order_id: int) -> OrderPage:
    async with request.app[PG_POOL].acquire() as conn:
        page = await load_order_page(conn, order_id)
    if page is None:
        raise LinkNotValidError(f"order {order_id} of a valid link does not exist")
    if page.status in FINAL_STATUSES:
        # Delivered, cancelled, expired or returned: the link may still be opened for days (or
        # forwarded), and nothing is left to check, so name, phone, address and note stay off it.
        page = replace(page, prefill=Prefill(), note="")
    return page


async def show_order(request: web.Request) -> web.Response:
    try:
        page = await _page(request, _order_id(request))
    except BuyerFacingError as exc:
        return _problem_page(request, exc)
    nonce = request.cookies.get(NONCE_COOKIE) or secrets.token_urlsafe(18)
    notice = {"ok": "Cảm ơn bạn! Đơn hàng đã được xác nhận.", "updated": "Đã cập nhật đơn hàng."}
    return await _render(request, page, nonce, notice=notice.get(request.query.get("done", ""), ""))


def _form_values(form: Any) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


CONSENT_ERROR = ConsentMissingError.buyer_message


async def _consent(request: web.Request, page: OrderPage, form: dict[str, str]) -> Consent | None:
    """The buyer ticked the box under the notice: the notice they read, from this page."""
    if form.get("consent") != "yes":
        return None
    notice: Notice = await notice_for(request.app[PG_POOL], page.tenant_id, page.tenant_name)
    agent = request.headers.get("User-Agent", "")
    return Consent(notice, source=BUYER_PAGE, actor="buyer", user_agent=agent)


async def _handle_post(request: web.Request, page: OrderPage, form: dict[str, str]) -> str:
    """Check the form, apply it; returns the notice key for the redirect."""
    confirming = form.get("action") == "confirm"
    consent = await _consent(request, page, form) if confirming else None
    reading = read_form(
        form,
        [ln.id for ln in page.lines],
        divisions(),
        accepts_transfer=page.bank is not None,
        confirming=confirming,
        cod_allowed=not page.prepay_required,
    )
    errors = dict(reading.errors)
    if confirming and consent is None:
        errors["consent"] = CONSENT_ERROR
    if errors:
        raise FormError(errors)
    outcome = await submit(
        request.app[PG_POOL],
        BuyerRequest(
            order_id=page.id,
            digest=form.get("digest", ""),
            quantities=reading.quantities,
            delivery=reading.delivery,
            user_agent=request.headers.get("User-Agent", ""),
            consent=consent,
        ),
    )
    return "ok" if outcome.confirmed else "updated"


async def post_order(request: web.Request) -> web.Response:
    try:
        page = await _page(request, _order_id(request))
    except BuyerFacingError as exc:
        return _problem_page(request, exc)
    form = _form_values(await posted_form(request))
    nonce = request.cookies.get(NONCE_COOKIE, "")
    key = form_key(request.app[SETTINGS])
    try:
        if not check_form_proof(key, request.match_info["token"], nonce, form.get("proof", "")):
            raise FormExpiredError("form proof does not match the cookie")
        done = await _handle_post(request, page, form)
    except BuyerFacingError as exc:
        log.info("buyer.form_refused", order_id=page.id, error=type(exc).__name__)
        fresh = await _page(request, page.id)
        errors = exc.errors if isinstance(exc, FormError) else {}
        return await _render(
            request, fresh, nonce or secrets.token_urlsafe(18), exc.http_status,
            errors=errors, notice=exc.buyer_message, values=form, failed=True,
        )  # fmt: skip
    raise web.HTTPSeeOther(location=f"{request.path}?done={done}")


async def wards(request: web.Request) -> web.Response:
    """The wards and communes of one province, for the picker (public data, cacheable)."""
    units = divisions().wards.get(request.match_info["province"])
    if units is None:
        raise web.HTTPNotFound()
    response = web.json_response([{"code": u.code, "name": u.name} for u in units])
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


def setup(app: web.Application) -> None:
    app.router.add_get("/o/{token}", show_order, name="buyer_order")
    app.router.add_post("/o/{token}", post_order, name="buyer_order_post")
    app.router.add_get("/dia-chi/{province}.json", wards, name="buyer_wards")
    buyer_photos.setup(app)  # the photos of the order's products
