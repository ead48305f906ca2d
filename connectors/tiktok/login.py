"""TikTok Shop seller authorization (HTTP only): the authorization link, the auth code exchange,
and the shops the seller authorized (with the shop_cipher every Partner API call needs).

Documented at https://partner.tiktokshop.com/docv2/page/669a2e4b8dd3e802fe0a57fc (authorization
guide; restated step by step at https://api2cart.com/how-to-connect-tiktok-shop-to-api2cart):
- the seller opens `https://services.tiktokshop.com/open/authorize?service_id=<app's service id>`
  (`state` is passed back); TikTok redirects to the redirect URL registered for the app with
  `code` and `state`;
- GET `{auth}/api/v2/token/get?app_key&app_secret&auth_code&grant_type=authorized_code` →
  `data{access_token, access_token_expire_in, refresh_token, refresh_token_expire_in, open_id,
  seller_name, seller_base_region, user_type, granted_scopes}` (expiries as unix seconds);
- GET `/authorization/202309/shops` (signed, no shop_cipher) → `data.shops[{id, name, cipher,
  code, region, seller_type}]` (Get Authorized Shops; the field names as public SDKs type them,
  e.g. the SDK citing https://partner.tiktokshop.com/docv2/page/650b1f2ff1fd3102b93c6d3d).
Tokens and the app secret never appear in error messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp

from connectors.errors import PayloadError, PlatformApiError, RateLimitedError
from connectors.tiktok.auth import auth_get
from connectors.tiktok.client import ShopClient

TOKEN_GET_PATH = "/api/v2/token/get"
SHOPS_PATH = "/authorization/202309/shops"


@dataclass(frozen=True, slots=True)
class SellerTokens:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: int
    refresh_expires_at: int
    seller_name: str


@dataclass(frozen=True, slots=True)
class AuthorizedShop:
    id: str
    name: str
    cipher: str
    region: str


def authorize_url(authorize: str, service_id: str, state: str) -> str:
    return f"{authorize}?{urlencode({'service_id': service_id, 'state': state})}"


def _tokens(status: int, answer: dict[str, Any]) -> SellerTokens:
    code, message = answer.get("code"), str(answer.get("message", ""))[:200]
    raw_data = answer.get("data")
    data: dict[str, Any] = raw_data if isinstance(raw_data, dict) else {}
    if status == 429:
        raise RateLimitedError(f"TikTok auth rate limit: {message}", code=code, http_status=status)
    if status >= 400 or code != 0 or not data.get("access_token") or not data.get("refresh_token"):
        raise PlatformApiError(
            f"TikTok refused the authorization code: {message}", code=code, http_status=status
        )
    return SellerTokens(
        str(data["access_token"]), str(data["refresh_token"]),
        int(data.get("access_token_expire_in") or 0), int(data.get("refresh_token_expire_in") or 0),
        str(data.get("seller_name") or ""),
    )  # fmt: skip


async def exchange_code(
    http: aiohttp.ClientSession, auth: str, app_key: str, app_secret: str, auth_code: str
) -> SellerTokens:
    params = {
        "app_key": app_key, "app_secret": app_secret, "auth_code": auth_code,
        "grant_type": "authorized_code",
    }  # fmt: skip
    return _tokens(*await auth_get(http, auth, TOKEN_GET_PATH, params))


async def authorized_shops(client: ShopClient, access_token: str) -> list[AuthorizedShop]:
    data = await client.call("GET", SHOPS_PATH, token=access_token, shop_cipher="")
    shops = data.get("shops")
    if not isinstance(shops, list):
        raise PayloadError("TikTok answered no shops list")
    found = []
    for shop in shops:
        if isinstance(shop, dict) and shop.get("id") and shop.get("cipher"):
            name, region = str(shop.get("name") or shop["id"]), str(shop.get("region") or "")
            found.append(AuthorizedShop(str(shop["id"]), name, str(shop["cipher"]), region))
    return found
