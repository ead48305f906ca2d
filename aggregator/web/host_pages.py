"""The host's pages: /may-chu/dang-nhap (its own login), /may-chu (every cooperative's health:
channels, last delivery, work waiting, errors; never an order or a buyer), /may-chu/htx-moi (a new
cooperative with its director), POST /may-chu/dang-xuat."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from redis.exceptions import RedisError

from aggregator.core.cooperative import CooperativeFormError, new_cooperative
from aggregator.core.login_limits import wait_text
from aggregator.core.reports import local
from aggregator.core.staff import tokens_match
from aggregator.runtime.queue import queue_names
from aggregator.staff.cooperatives import create_cooperative, province_names
from aggregator.staff.host import (
    HostUser,
    cooperatives_health,
    host_log_in,
    host_log_out,
    session_host,
)
from aggregator.staff.login import LoginThrottledError, LoginTry
from aggregator.staff.passwords import PasswordPoolBusyError
from aggregator.web.client import client_address, over_tls
from aggregator.web.first_run import cooperative_form_page
from aggregator.web.form_guard import new_nonce, nonce_ok, set_nonce_cookie
from aggregator.web.forms import posted_form
from aggregator.web.keys import ARQ_POOL, PASSWORDS, PG_POOL, SETTINGS
from aggregator.web.staff_auth import login_policy, render

HOME, LOGIN, NEW = "/may-chu", "/may-chu/dang-nhap", "/may-chu/htx-moi"
SESSION_COOKIE, LOGIN_COOKIE, NEW_COOKIE = "cd_host", "cd_host_login", "cd_host_new"
PLATFORM_NAMES = {"facebook": "Facebook", "tiktok": "TikTok", "zalo": "Zalo",
                  "relay": "cầu nối bình luận"}  # fmt: skip
HostHandler = Callable[[web.Request, HostUser], Awaitable[web.StreamResponse]]


def host_page(handler: HostHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Signed-in host only (else the host login); CSRF on every POST except the new-cooperative
    form, which carries its own signed nonce."""

    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        host = await session_host(request.app[PG_POOL], request.cookies.get(SESSION_COOKIE, ""))
        if host is None:
            raise web.HTTPSeeOther(location=LOGIN)
        if request.method == "POST" and request.path != NEW:
            given = (await posted_form(request)).get("csrf")
            if not tokens_match(host.csrf_token, given if isinstance(given, str) else ""):
                raise web.HTTPForbidden(text="Biểu mẫu đã hết hạn. Hãy tải lại trang.")
        return await handler(request, host)

    return guarded


def _login_page(request: web.Request, status: int = 200, message: str = "") -> web.Response:
    nonce, signed = new_nonce(request, LOGIN_COOKIE)
    response = render(request, "host_login.html", {"csrf": nonce, "message": message}, status)
    set_nonce_cookie(request, response, LOGIN_COOKIE, LOGIN, signed)
    return response


async def login_form(request: web.Request) -> web.StreamResponse:
    return _login_page(request)


async def login_post(request: web.Request) -> web.StreamResponse:
    form = await posted_form(request)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    if not nonce_ok(request, LOGIN_COOKIE, fields.get("csrf", "")):
        return _login_page(request, 403, "Biểu mẫu đã hết hạn. Hãy đăng nhập lại.")
    login, password = fields.get("login", "").strip(), fields.get("password", "")
    if not login or not password:
        return _login_page(request, 400, "Hãy nhập tên đăng nhập và mật khẩu.")
    attempt = LoginTry(login, password, client_address(request))
    try:
        done = await host_log_in(
            request.app[PG_POOL], request.app[PASSWORDS], login_policy(request.app[SETTINGS]),
            attempt,
        )  # fmt: skip
    except LoginThrottledError as exc:
        text = f"Có nhiều lần đăng nhập sai. Hãy thử lại sau {wait_text(exc.retry_after_s)}."
        return _login_page(request, 429, text)
    except PasswordPoolBusyError:
        return _login_page(request, 503, "Máy chủ đang bận. Hãy thử lại sau ít giây.")
    if done is None:
        return _login_page(request, 401, "Sai tên đăng nhập hoặc mật khẩu.")
    response = web.HTTPSeeOther(location=HOME)
    response.set_cookie(SESSION_COOKIE, done[0], path=HOME, httponly=True, samesite="Lax",
                        secure=over_tls(request))  # fmt: skip
    raise response


async def _jobs_waiting(request: web.Request) -> int | None:
    """Jobs waiting on the installation's arq queues (orders and outbound, shared by every
    cooperative); None when Redis is away."""
    names = queue_names(request.app[SETTINGS])
    try:
        return sum([int(await request.app[ARQ_POOL].zcard(q)) for q in names.both])
    except (OSError, RedisError):
        return None


@host_page
async def home(request: web.Request, host: HostUser) -> web.StreamResponse:
    context: dict[str, Any] = {
        "host": host, "csrf": host.csrf_token, "local": local, "platforms": PLATFORM_NAMES,
        "rows": await cooperatives_health(request.app[PG_POOL]),
        "jobs_waiting": await _jobs_waiting(request),
        "notice": "Đã tạo hợp tác xã mới." if request.query.get("done") == "created" else "",
    }  # fmt: skip
    return render(request, "host_home.html", context)


@host_page
async def new_form(request: web.Request, host: HostUser) -> web.StreamResponse:
    return cooperative_form_page(request, "host_new.html", {}, {}, NEW_COOKIE, NEW,
                                 extra={"host": host})  # fmt: skip


@host_page
async def new_post(request: web.Request, host: HostUser) -> web.StreamResponse:
    values = {k: v for k, v in (await posted_form(request)).items() if isinstance(v, str)}

    def again(errors: dict[str, str], status: int) -> web.Response:
        return cooperative_form_page(request, "host_new.html", values, errors, NEW_COOKIE, NEW,
                                     status, extra={"host": host})  # fmt: skip

    if not nonce_ok(request, NEW_COOKIE, values.get("csrf", "")):
        return again({"form": "Biểu mẫu đã hết hạn. Hãy gửi lại."}, 403)
    try:
        new = new_cooperative(values, province_names())
        digest = await request.app[PASSWORDS].hash(new.director.password)
        await create_cooperative(request.app[PG_POOL], new, password_hash=digest)
    except CooperativeFormError as exc:
        return again(exc.errors, 422)
    except PasswordPoolBusyError:
        return again({"form": "Máy chủ đang bận. Hãy gửi lại sau ít giây."}, 503)
    raise web.HTTPSeeOther(location=f"{HOME}?done=created")


@host_page
async def logout(request: web.Request, host: HostUser) -> web.StreamResponse:
    await host_log_out(request.app[PG_POOL], request.cookies.get(SESSION_COOKIE, ""))
    response = web.HTTPSeeOther(location=LOGIN)
    response.del_cookie(SESSION_COOKIE, path=HOME)
    raise response


def setup(app: web.Application) -> None:
    app.router.add_get(LOGIN, login_form, name="host_login")
    app.router.add_post(LOGIN, login_post, name="host_login_post")
    app.router.add_get(HOME, home, name="host_home")
    app.router.add_get(NEW, new_form, name="host_new")
    app.router.add_post(NEW, new_post, name="host_new_post")
    app.router.add_post("/may-chu/dang-xuat", logout, name="host_logout")
