"""Staff login, logout, and the guard every staff page goes through.

`staff_page(area)` wraps a handler: it finds the session from the cookie (else redirects to
/dang-nhap), checks the role may open the area (else 403), checks the CSRF token of every POST
(else 403), and passes the logged-in StaffUser to the handler. Handlers scope every query by
that staff member's tenant id.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp_jinja2
import structlog
from aiohttp import web

from aggregator.core.staff import Area, home_path, may_open, tokens_match
from aggregator.runtime.tenancy import acting_for
from aggregator.staff.accounts import (
    SESSION_TTL_S,
    LoginThrottledError,
    StaffUser,
    log_in,
    log_out,
    session_staff,
)
from aggregator.web.forms import posted_form
from aggregator.web.keys import PG_POOL, SETTINGS

log = structlog.get_logger()
SESSION_COOKIE = "cd_staff"
LOGIN_COOKIE = "cd_login"
LOGIN_PATH = "/dang-nhap"
STAFF_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}
StaffHandler = Callable[[web.Request, StaffUser], Awaitable[web.StreamResponse]]


def _secure(request: web.Request) -> bool:
    return request.app[SETTINGS].base_url.startswith("https://")


def render(
    request: web.Request, template: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    response = aiohttp_jinja2.render_template(template, request, context, status=status)
    response.headers.update(STAFF_HEADERS)
    return response


def _refuse(request: web.Request, staff: StaffUser, status: int, message: str) -> web.Response:
    context = {"staff": staff, "csrf": staff.csrf_token, "message": message}
    return render(request, "staff_problem.html", context, status=status)


async def _csrf_ok(request: web.Request, staff: StaffUser) -> bool:
    if request.method != "POST":
        return True
    form = await posted_form(request)
    given = form.get("csrf")
    return tokens_match(staff.csrf_token, given if isinstance(given, str) else "")


def staff_page(area: Area | None) -> Callable[[StaffHandler], Callable[..., Any]]:
    """Guard a handler: logged in, role allowed for `area` (None: any role), CSRF on POST."""

    def wrap(handler: StaffHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            token = request.cookies.get(SESSION_COOKIE, "")
            staff = await session_staff(request.app[PG_POOL], token)
            if staff is None:
                raise web.HTTPSeeOther(location=LOGIN_PATH)
            if area is not None and not may_open(staff.role, area):
                log.info("staff.forbidden", staff_id=staff.id, area=area.value)
                return _refuse(request, staff, 403, "Bạn không có quyền mở trang này.")
            if not await _csrf_ok(request, staff):
                log.warning("staff.csrf_refused", staff_id=staff.id, path=request.path)
                return _refuse(request, staff, 403, "Biểu mẫu đã hết hạn. Hãy tải lại trang.")
            structlog.contextvars.bind_contextvars(staff_id=staff.id, tenant_id=staff.tenant_id)
            with acting_for(staff.tenant_id):  # the staff pool now sees this cooperative only
                response = await handler(request, staff)
            response.headers.update(STAFF_HEADERS)
            return response

        return guarded

    return wrap


def _login_page(request: web.Request, status: int = 200, message: str = "") -> web.Response:
    nonce = secrets.token_urlsafe(24)
    context = {"csrf": nonce, "message": message, "login": ""}
    response = render(request, "staff_login.html", context, status=status)
    response.set_cookie(
        LOGIN_COOKIE, nonce, path=LOGIN_PATH, httponly=True, samesite="Strict",
        secure=_secure(request), max_age=3600,
    )  # fmt: skip
    return response


async def login_form(request: web.Request) -> web.StreamResponse:
    staff = await session_staff(request.app[PG_POOL], request.cookies.get(SESSION_COOKIE, ""))
    if staff is not None:
        raise web.HTTPSeeOther(location=home_path(staff.role))
    return _login_page(request)


async def login_post(request: web.Request) -> web.StreamResponse:
    form = await posted_form(request)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    if not tokens_match(request.cookies.get(LOGIN_COOKIE, ""), fields.get("csrf", "")):
        return _login_page(request, 403, "Biểu mẫu đã hết hạn. Hãy đăng nhập lại.")
    login, password = fields.get("login", "").strip(), fields.get("password", "")
    if not login or not password:
        return _login_page(request, 400, "Hãy nhập tên đăng nhập và mật khẩu.")
    try:
        session = await log_in(request.app[PG_POOL], login, password, request.remote or "")
    except LoginThrottledError:
        return _login_page(request, 429, "Sai quá nhiều lần. Hãy thử lại sau 15 phút.")
    if session is None:
        return _login_page(request, 401, "Sai tên đăng nhập hoặc mật khẩu.")
    response = web.HTTPSeeOther(location=home_path(session.staff.role))
    response.set_cookie(
        SESSION_COOKIE, session.token, path="/", httponly=True, samesite="Lax",
        secure=_secure(request), max_age=SESSION_TTL_S,
    )  # fmt: skip
    response.del_cookie(LOGIN_COOKIE, path=LOGIN_PATH)
    raise response


@staff_page(None)
async def logout(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    await log_out(request.app[PG_POOL], request.cookies.get(SESSION_COOKIE, ""))
    response = web.HTTPSeeOther(location=LOGIN_PATH)
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


def setup(app: web.Application) -> None:
    app.router.add_get(LOGIN_PATH, login_form, name="staff_login")
    app.router.add_post(LOGIN_PATH, login_post, name="staff_login_post")
    app.router.add_post("/dang-xuat", logout, name="staff_logout")
