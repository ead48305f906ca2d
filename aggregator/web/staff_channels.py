"""Kết nối kênh: GET /cai-dat/kenh (the director's channels and "Kết nối Facebook / Zalo OA /
TikTok Shop" buttons), GET /cai-dat/kenh/{platform}/ket-noi (one tap: off to the platform's
login), GET /cai-dat/kenh/{platform}/ve (the platform's redirect back), GET/POST
/cai-dat/kenh/facebook/chon/{id} (pick the Pages to connect), POST /cai-dat/kenh/{id}/ngat.

Director only (Area.SETUP). Tokens are sealed as they arrive and never shown. The callback is a
top-level GET from the platform: the session cookie (SameSite=Lax) comes with it, and the state
ties it to the director who started the login.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web

from aggregator.core.channel_login import (
    LOGIN_PLATFORMS,
    PLATFORM_NAMES,
    START_PATHS,
    STATUS_TEXT,
    login_health,
    problem_text,
)
from aggregator.core.reports import local
from aggregator.core.staff import Area
from aggregator.staff.accounts import StaffUser
from aggregator.staff.catalogue import SetupFormError
from aggregator.staff.channel_connect import (
    facebook_offer,
    finish_facebook,
    finish_tiktok,
    finish_zalo,
    pick_pages,
    start,
)
from aggregator.staff.channel_login import (
    ChannelLoginError,
    LoginDeps,
    LoginNotConfiguredError,
    configured,
)
from aggregator.staff.lives import disable_channel
from aggregator.web.forms import posted_form
from aggregator.web.keys import PG_POOL, SETTINGS, STAFF_PG_POOL
from aggregator.web.paths import path_id
from aggregator.web.staff_auth import render, staff_page
from schema.enums import Platform
from schema.queries import query

PAGE = "/cai-dat/kenh"
TIMEOUT = aiohttp.ClientTimeout(total=60)


def _platform(request: web.Request) -> Platform:
    name = request.match_info["platform"]
    if name not in LOGIN_PLATFORMS:
        raise web.HTTPNotFound()
    return Platform(name)


def _deps(request: web.Request, http: aiohttp.ClientSession) -> LoginDeps:
    app = request.app
    return LoginDeps(app[SETTINGS], app[STAFF_PG_POOL], app[PG_POOL], http)


def _when(unix: int | None) -> str:
    return local(datetime.fromtimestamp(unix, UTC), "%H:%M %d/%m/%Y") if unix else ""


def _channel_view(row: Any, now: float) -> dict[str, Any]:
    health = login_health(row["status"], row["reconnect_by"], now)
    return {
        "id": row["id"], "platform": row["platform"], "external_id": row["external_id"],
        "name": row["name"], "status": row["status"],
        "platform_name": PLATFORM_NAMES.get(row["platform"], ""),
        "renewal": health.renewal.value, "days_left": health.days_left,
        "reconnect_by": _when(row["reconnect_by"]), "connected_at": _when(row["connected_at"]),
        "webhooks": bool(row["webhook_fields"]), "start": START_PATHS[row["platform"]],
    }  # fmt: skip


async def _result(request: web.Request, staff: StaffUser) -> dict[str, Any] | None:
    text = request.query.get("ket-qua", "")
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        return None
    row = await request.app[STAFF_PG_POOL].fetchrow(
        query("channel_login_result"), int(text), staff.id
    )
    if row is None:
        return None
    ok = row["status"] == "connected"
    return {
        "ok": ok, "names": list(row["names"]), "platform": PLATFORM_NAMES[row["platform"]],
        "lines": (row["problem"] or "").splitlines() if ok else [problem_text(row["problem"])],
    }  # fmt: skip


async def _page(
    request: web.Request, staff: StaffUser, *, status: int = 200, error: str = ""
) -> web.Response:
    pool, settings, now = request.app[STAFF_PG_POOL], request.app[SETTINGS], time.time()
    rows = await pool.fetch(query("tenant_channels_for_login"), staff.tenant_id)
    logins = await pool.fetch(query("recent_channel_logins"), staff.tenant_id, 5)
    context = {
        "staff": staff, "csrf": staff.csrf_token, "error": error,
        "channels": [_channel_view(r, now) for r in rows],
        "buttons": [
            {"platform": p, "name": PLATFORM_NAMES[p], "path": START_PATHS[p],
             "ready": configured(settings, Platform(p))}
            for p in LOGIN_PLATFORMS
        ],
        "result": await _result(request, staff),
        "logins": [
            {"platform": PLATFORM_NAMES[r["platform"]], "status": STATUS_TEXT[r["status"]],
             "at": local(r["created_at"], "%H:%M %d/%m/%Y"), "channels": r["channels"]}
            for r in logins
        ],
        "off": request.query.get("done") == "off",
    }  # fmt: skip
    return render(request, "staff_channels.html", context, status=status)


@staff_page(Area.SETUP)
async def channels_page(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    return await _page(request, staff)


@staff_page(Area.SETUP)
async def start_login(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    platform = _platform(request)
    async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
        try:
            url = await start(_deps(request, http), staff, platform)
        except LoginNotConfiguredError as exc:
            return await _page(request, staff, status=503, error=str(exc))
    raise web.HTTPSeeOther(location=url)


@staff_page(Area.SETUP)
async def login_back(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    platform, params = _platform(request), dict(request.query)
    async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
        deps = _deps(request, http)
        try:
            if platform is Platform.FACEBOOK:
                login_id = await finish_facebook(deps, staff, params)
                raise web.HTTPSeeOther(location=f"{PAGE}/facebook/chon/{login_id}")
            finish = finish_zalo if platform is Platform.ZALO else finish_tiktok
            outcome = await finish(deps, staff, params)
        except ChannelLoginError as exc:
            return await _page(request, staff, status=400, error=str(exc))
    raise web.HTTPSeeOther(location=f"{PAGE}?ket-qua={outcome.login_id}")


@staff_page(Area.SETUP)
async def pick_form(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    login_id = path_id(request)
    async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
        try:
            pages = await facebook_offer(_deps(request, http), staff, login_id)
        except ChannelLoginError as exc:
            return await _page(request, staff, status=exc.http_status, error=str(exc))
    rows = await request.app[STAFF_PG_POOL].fetch(
        query("tenant_channels_for_login"), staff.tenant_id
    )
    ours = {
        r["external_id"] for r in rows if r["platform"] == "facebook" and r["status"] == "active"
    }
    for p in pages:
        p["connected"] = "yes" if p["id"] in ours else ""
    context = {"staff": staff, "csrf": staff.csrf_token, "pages": pages, "login_id": login_id}
    return render(request, "staff_channel_pick.html", context)


@staff_page(Area.SETUP)
async def pick(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    login_id = path_id(request)
    form = await posted_form(request)
    chosen = {v for v in form.getall("page", []) if isinstance(v, str) and len(v) <= 64}
    async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
        try:
            await pick_pages(_deps(request, http), staff, login_id, chosen)
        except ChannelLoginError as exc:
            return await _page(request, staff, status=exc.http_status, error=str(exc))
    raise web.HTTPSeeOther(location=f"{PAGE}?ket-qua={login_id}")


@staff_page(Area.SETUP)
async def disconnect(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    pool, channel_id = request.app[STAFF_PG_POOL], path_id(request)
    try:
        found = await disable_channel(pool, staff.tenant_id, channel_id, staff.display_name)
    except SetupFormError as exc:
        return await _page(request, staff, status=400, error=" ".join(exc.errors.values()))
    if not found:
        raise web.HTTPNotFound()
    raise web.HTTPSeeOther(location=f"{PAGE}?done=off")


def setup(app: web.Application) -> None:
    app.router.add_get(PAGE, channels_page, name="staff_channels")
    app.router.add_get(PAGE + "/{platform}/ket-noi", start_login, name="staff_channel_login")
    app.router.add_get(PAGE + "/{platform}/ve", login_back, name="staff_channel_login_back")
    app.router.add_get(PAGE + "/facebook/chon/{id}", pick_form, name="staff_channel_pick")
    app.router.add_post(PAGE + "/facebook/chon/{id}", pick, name="staff_channel_pick_save")
    app.router.add_post(PAGE + "/{id}/ngat", disconnect, name="staff_channel_off")
