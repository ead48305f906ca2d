"""Staff login, logout, and the guard every staff page goes through.

`staff_page(area)` wraps a handler: it finds the session from the cookie (else redirects to
/dang-nhap), checks the role may open the area (else 403), checks the CSRF token of every POST
(else 403), and passes the logged-in StaffUser to the handler. Handlers scope every query by
that staff member's tenant id.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp_jinja2
import structlog
from aiohttp import web

from aggregator.core.login_limits import LoginPolicy, wait_text
from aggregator.core.staff import Area, home_path, may_open, tokens_match
from aggregator.runtime.tenancy import acting_for
from aggregator.settings import Settings
from aggregator.staff.accounts import SESSION_TTL_S, StaffUser, log_out, session_staff
from aggregator.staff.login import LoginThrottledError, LoginTry, log_in
from aggregator.staff.passwords import RETRY_AFTER_S, PasswordPoolBusyError
from aggregator.web.client import client_address, over_tls
from aggregator.web.forms import posted_form
from aggregator.web.keys import PASSWORDS, PG_POOL, SETTINGS
from aggregator.web.login_cookies import (
    DEVICE_COOKIE,
    LOGIN_COOKIE,
    LOGIN_PATH,
    form_nonce_ok,
    new_form_nonce,
    set_form_cookie,
    trust_device,
    trusted_device,
)

log = structlog.get_logger()
SESSION_COOKIE = "cd_staff"
__all__ = ["DEVICE_COOKIE", "LOGIN_COOKIE", "LOGIN_PATH", "SESSION_COOKIE", "staff_page"]
STAFF_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'"
    ),
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}
StaffHandler = Callable[[web.Request, StaffUser], Awaitable[web.StreamResponse]]


def login_policy(settings: Settings) -> LoginPolicy:
    return LoginPolicy(
        per_address=settings.login_tries_per_address, per_login=settings.login_tries_per_login,
        per_device=settings.login_tries_per_device, per_minute=settings.login_tries_per_minute,
        first_delay_s=settings.login_first_delay_s,
        longest_delay_s=settings.login_longest_delay_s,
    )  # fmt: skip


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


def _login_page(
    request: web.Request, status: int = 200, message: str = "", retry_after_s: int = 0
) -> web.Response:
    nonce, signed = new_form_nonce(request)
    context = {"csrf": nonce, "message": message, "login": ""}
    response = render(request, "staff_login.html", context, status=status)
    set_form_cookie(request, response, signed)
    if retry_after_s:
        response.headers["Retry-After"] = str(retry_after_s)
    return response


async def login_form(request: web.Request) -> web.StreamResponse:
    staff = await session_staff(request.app[PG_POOL], request.cookies.get(SESSION_COOKIE, ""))
    if staff is not None:
        raise web.HTTPSeeOther(location=home_path(staff.role))
    return _login_page(request)


async def login_post(request: web.Request) -> web.StreamResponse:
    form = await posted_form(request)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    if not form_nonce_ok(request, fields.get("csrf", "")):
        return _login_page(request, 403, "Biểu mẫu đã hết hạn. Hãy đăng nhập lại.")
    login, password = fields.get("login", "").strip(), fields.get("password", "")
    if not login or not password or "\x00" in login:  # Postgres text cannot hold NUL
        return _login_page(request, 400, "Hãy nhập tên đăng nhập và mật khẩu.")
    attempt = LoginTry(login, password, client_address(request), trusted_device(request, login))
    policy = login_policy(request.app[SETTINGS])
    try:
        session = await log_in(request.app[PG_POOL], request.app[PASSWORDS], policy, attempt)
    except LoginThrottledError as exc:
        text = f"Có nhiều lần đăng nhập sai. Hãy thử lại sau {wait_text(exc.retry_after_s)}."
        return _login_page(request, 429, text, exc.retry_after_s)
    except PasswordPoolBusyError:
        return _login_page(
            request, 503, "Máy chủ đang bận. Hãy thử lại sau ít giây.", RETRY_AFTER_S
        )
    if session is None:
        return _login_page(request, 401, "Sai tên đăng nhập hoặc mật khẩu.")
    response = web.HTTPSeeOther(location=home_path(session.staff.role))
    response.set_cookie(
        SESSION_COOKIE, session.token, path="/", httponly=True, samesite="Lax",
        secure=over_tls(request), max_age=SESSION_TTL_S,
    )  # fmt: skip
    trust_device(request, response, login)
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
