"""TikTok Shop seller authorization in the TikTok simulator (shapes: connectors/tiktok/login.py and
tests/fixtures/wire/tiktok/login_*.json, which cite the docs).

GET  /open/authorize                     the seller's consent screen (consent.py): service_id, state
POST /open/authorize/sim-consent         allow → the app's registered redirect URL
                                         (`TikTokLogin.redirect_url`) ?code=…&state=…
GET  /api/v2/token/get                   app_key, app_secret, auth_code,
                                         grant_type=authorized_code → the seller's token pair
GET  /authorization/202309/shops         signed, with the seller's token: the authorized shops and
                                         their ciphers (each then a shop of the simulator)
"""

from __future__ import annotations

import functools
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import web

from connectors.simulators.consent import consent_page, redirect_to
from connectors.tiktok.signature import request_signed

ACCESS_TTL_S = 7 * 86_400
REFRESH_TTL_S = 365 * 86_400


class ShopKeeper(Protocol):
    app_key: str
    app_secret: str
    refresh_tokens: dict[str, str]

    def add_shop(self, shop_id: str, token: str) -> Any: ...


@dataclass
class TikTokLogin:
    service_id: str = "7300000000000000001"
    redirect_url: str = ""  # registered in Partner Center, never passed in the link
    seller: str = "HTX Nông sản Vũ Thư"
    shops: list[tuple[str, str]] = field(
        default_factory=lambda: [("7495000000000000101", "Nông sản Vũ Thư Official")]
    )
    codes: dict[str, float] = field(default_factory=dict)  # unused auth code → issued at
    seller_tokens: set[str] = field(default_factory=set)
    exchanges: int = 0


def _error(status: int, code: int, message: str) -> web.Response:
    return web.json_response({"code": code, "message": message, "data": {}}, status=status)


async def authorize(login: TikTokLogin, request: web.Request) -> web.Response:
    if request.query.get("service_id") != login.service_id:
        return web.Response(status=400, text="Invalid service_id")
    grants = [f"Cửa hàng {name}" for _, name in login.shops] + ["Đơn hàng, giao hàng, tin nhắn"]
    hidden = {"state": request.query.get("state", "")}
    return consent_page("TikTok Shop", login.seller, grants, "authorize/sim-consent", hidden)


async def consent(login: TikTokLogin, request: web.Request) -> web.StreamResponse:
    form = await request.post()
    if form.get("decision") != "allow" or not login.redirect_url:
        return web.Response(text="Bạn đã từ chối ủy quyền.", content_type="text/plain")
    code = "ROW_" + secrets.token_urlsafe(24)
    login.codes[code] = time.time()
    raise redirect_to(login.redirect_url, {"code": code, "state": str(form.get("state", ""))})


async def token_get(login: TikTokLogin, shops: ShopKeeper, request: web.Request) -> web.Response:
    q = request.query
    login.exchanges += 1
    if q.get("app_key") != shops.app_key or q.get("app_secret") != shops.app_secret:
        return _error(200, 36004001, "invalid app_key or app_secret")
    issued = login.codes.pop(q.get("auth_code", ""), None)
    if q.get("grant_type") != "authorized_code" or issued is None:
        return _error(200, 36004003, "invalid auth_code")
    now = int(time.time())
    access, refresh = "TTP_" + secrets.token_urlsafe(24), "TTP_" + secrets.token_urlsafe(24)
    login.seller_tokens.add(access)
    for shop_id, _ in login.shops:
        cipher = shops.add_shop(shop_id, access).cipher
        shops.refresh_tokens[refresh] = cipher
    data = {
        "access_token": access, "access_token_expire_in": now + ACCESS_TTL_S,
        "refresh_token": refresh, "refresh_token_expire_in": now + REFRESH_TTL_S,
        "open_id": "7010736057180325637", "seller_name": login.seller,
        "seller_base_region": "VN", "user_type": 0,
        "granted_scopes": ["seller.authorization.info", "seller.order.info"],
    }  # fmt: skip
    return web.json_response({"code": 0, "message": "success", "data": data,
                              "request_id": secrets.token_hex(12)})  # fmt: skip


async def shops_of_seller(
    login: TikTokLogin, shops: ShopKeeper, request: web.Request
) -> web.Response:
    params = dict(request.query)
    if params.get("app_key") != shops.app_key:
        return _error(401, 106001, "invalid app_key")
    if not request_signed(shops.app_secret.encode(), request.path, params, b""):
        return _error(401, 106001, "Invalid credentials: sign")
    if request.headers.get("x-tts-access-token") not in login.seller_tokens:
        return _error(401, 105002, "Expired credentials")
    data = [
        {"id": shop_id, "name": name, "cipher": f"cipher-{shop_id}", "code": f"VNLC{shop_id[-4:]}",
         "region": "VN", "seller_type": "LOCAL"}
        for shop_id, name in login.shops
    ]  # fmt: skip
    return web.json_response({"code": 0, "message": "Success", "data": {"shops": data},
                              "request_id": secrets.token_hex(12)})  # fmt: skip


def add_login_routes(app: web.Application, login: TikTokLogin, shops: ShopKeeper) -> None:
    def bind(handler: Callable[..., Awaitable[web.StreamResponse]], *args: object) -> Any:
        return functools.partial(handler, login, *args)

    app.router.add_get("/open/authorize", bind(authorize))
    app.router.add_post("/open/authorize/sim-consent", bind(consent))
    app.router.add_get("/api/v2/token/get", bind(token_get, shops))
    app.router.add_get("/authorization/202309/shops", bind(shops_of_seller, shops))
