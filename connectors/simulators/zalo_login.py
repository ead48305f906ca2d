"""Zalo OA authorization (OAuth v4 with PKCE) in the Zalo simulator (shapes:
connectors/zalo/login.py and tests/fixtures/wire/zalo/login_*.json, which cite the docs).

GET  /v4/oa/permission                   the OA admin's consent screen (consent.py): app_id,
                                         redirect_uri, code_challenge, state
POST /v4/oa/permission/sim-consent       allow → redirect_uri?oa_id&code&state&code_challenge
POST /v4/oa/access_token                 grant_type=authorization_code: the code (once, within 10
                                         minutes) and a code_verifier whose S256 matches the
                                         challenge → the OA's token pair (zalo.py answers the
                                         refresh grant)
GET  /v2.0/oa/getoa                      the OA's profile (header access_token)
"""

from __future__ import annotations

import base64
import functools
import hashlib
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import web

from connectors.simulators.consent import consent_page, redirect_to

CODE_TTL_S = 600


class TokenIssuer(Protocol):
    app_id: str
    app_secret: str
    tokens: dict[str, str]
    expires_in_s: int

    def issue_tokens(self, oa_id: str) -> tuple[str, str]: ...


@dataclass
class ZaloLogin:
    admin: str = "Trần Văn Nam"
    oa_id: str = "4318100000000000001"
    oa_name: str = "HTX Nông sản Vũ Thư"
    # unused code → (OA id, code_challenge, issued at)
    codes: dict[str, tuple[str, str, float]] = field(default_factory=dict)
    exchanges: int = 0


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


async def permission(login: ZaloLogin, zalo: TokenIssuer, request: web.Request) -> web.Response:
    q = request.query
    if q.get("app_id") != zalo.app_id or not q.get("redirect_uri") or not q.get("code_challenge"):
        return web.Response(status=400, text="Ứng dụng không hợp lệ (app_id, redirect_uri)")
    hidden = {k: q.get(k, "") for k in ("redirect_uri", "code_challenge", "state")}
    grants = [f"Quản lý Official Account «{login.oa_name}»", "Gửi tin nhắn tư vấn, đọc tin nhắn"]
    return consent_page("Zalo", login.admin, grants, "permission/sim-consent", hidden)


async def consent(login: ZaloLogin, request: web.Request) -> web.StreamResponse:
    form = await request.post()
    if form.get("decision") != "allow":
        return web.Response(text="Bạn đã từ chối cấp quyền.", content_type="text/plain")
    code, challenge = secrets.token_urlsafe(32), str(form.get("code_challenge", ""))
    login.codes[code] = (login.oa_id, challenge, time.time())
    raise redirect_to(str(form.get("redirect_uri", "")), {
        "oa_id": login.oa_id, "code": code, "state": str(form.get("state", "")),
        "code_challenge": challenge,
    })  # fmt: skip


def code_grant(login: ZaloLogin, zalo: TokenIssuer, form: Any) -> dict[str, Any]:
    """The answer to POST /v4/oa/access_token with grant_type=authorization_code."""
    login.exchanges += 1
    found = login.codes.pop(str(form.get("code", "")), None)
    if found is None or time.time() - found[2] > CODE_TTL_S:
        return {"error": -14019, "error_name": "Invalid authorization code"}
    oa_id, challenge, _ = found
    if s256(str(form.get("code_verifier", ""))) != challenge:
        return {"error": -14021, "error_name": "Invalid code verifier"}
    access, refresh = zalo.issue_tokens(oa_id)
    return {"access_token": access, "refresh_token": refresh, "expires_in": str(zalo.expires_in_s)}


async def getoa(login: ZaloLogin, zalo: TokenIssuer, request: web.Request) -> web.Response:
    oa_id = zalo.tokens.get(request.headers.get("access_token", ""))
    if oa_id is None:
        return web.json_response({"error": -216, "message": "Access token is invalid"})
    data = {
        "oa_id": oa_id, "name": login.oa_name, "description": "Nông sản sạch Thái Bình",
        "avatar": "", "cover": "", "is_verified": False,
    }  # fmt: skip
    return web.json_response({"data": data, "error": 0, "message": "Success"})


def add_login_routes(app: web.Application, login: ZaloLogin, zalo: TokenIssuer) -> None:
    def bind(handler: Callable[..., Awaitable[web.StreamResponse]], *args: object) -> Any:
        return functools.partial(handler, login, *args)

    app.router.add_get("/v4/oa/permission", bind(permission, zalo))
    app.router.add_post("/v4/oa/permission/sim-consent", bind(consent))
    app.router.add_get("/v2.0/oa/getoa", bind(getoa, zalo))
