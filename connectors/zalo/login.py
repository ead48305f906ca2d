"""Zalo OA authorization by OAuth v4 with PKCE (HTTP only): the permission link, the code
exchange, and the OA's own name.

Documented at https://developers.zalo.me/docs/official-account/bat-dau/xac-thuc-va-uy-quyen-cho-ung-dung-new:
- the OA admin opens `{oauth}/v4/oa/permission?app_id&redirect_uri&code_challenge&state`, where
  code_challenge = Base64URL(SHA-256(code_verifier)) without padding, code_verifier 43 characters;
- Zalo redirects to redirect_uri with `oa_id`, `code` (valid 10 minutes), `state`, `code_challenge`;
- POST `{oauth}/v4/oa/access_token`, header `secret_key` (the app secret), form `code`, `app_id`,
  `grant_type=authorization_code`, `code_verifier` → `access_token` (about 25 hours),
  `refresh_token` (3 months, single use), `expires_in` (seconds, a string);
- GET `{openapi}/v2.0/oa/getoa`, header `access_token` → `data{oa_id, name, …}`
  (https://developers.zalo.me/docs/official-account/quan-ly/quan-ly-thong-tin-oa/lay-thong-tin-zalo-official-account).
Tokens and the app secret never appear in error messages.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
import orjson

from connectors.errors import PayloadError, PlatformApiError, RateLimitedError, TransportError

PERMISSION_PATH = "/v4/oa/permission"
TOKEN_PATH = "/v4/oa/access_token"
OA_INFO_PATH = "/v2.0/oa/getoa"
REFRESH_TOKEN_LIFETIME_S = 90 * 86_400  # "3 months"
TIMEOUT = aiohttp.ClientTimeout(total=15)


@dataclass(frozen=True, slots=True)
class OaTokens:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: int
    refresh_expires_at: int


def code_verifier() -> str:
    """43 URL-safe characters (32 random bytes), as the docs ask."""
    return secrets.token_urlsafe(32)[:43]


def code_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def permission_url(oauth: str, app_id: str, redirect_uri: str, challenge: str, state: str) -> str:
    query = {
        "app_id": app_id, "redirect_uri": redirect_uri, "code_challenge": challenge,
        "state": state,
    }  # fmt: skip
    return f"{oauth.rstrip('/')}{PERMISSION_PATH}?{urlencode(query)}"


def _json(raw: bytes) -> dict[str, Any]:
    try:
        answer = orjson.loads(raw) if raw else {}
    except orjson.JSONDecodeError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _tokens(status: int, answer: dict[str, Any], now: int) -> OaTokens:
    name = str(answer.get("error_name") or answer.get("message") or "")[:200]
    code = answer.get("error") if isinstance(answer.get("error"), int) else None
    if status == 429:
        raise RateLimitedError(f"Zalo OAuth rate limit: {name}", code=code, http_status=status)
    access, refresh = answer.get("access_token"), answer.get("refresh_token")
    if status >= 400 or not access or not refresh:
        raise PlatformApiError(
            f"Zalo OAuth refused the code: {name}", code=code, http_status=status
        )
    expires_in = int(answer.get("expires_in") or 0)
    return OaTokens(str(access), str(refresh), now + expires_in, now + REFRESH_TOKEN_LIFETIME_S)


async def exchange_code(
    http: aiohttp.ClientSession, oauth: str, app_id: str, app_secret: str, code: str,
    verifier: str,
) -> OaTokens:  # fmt: skip
    form = {
        "code": code, "app_id": app_id, "grant_type": "authorization_code",
        "code_verifier": verifier,
    }  # fmt: skip
    try:
        async with http.post(
            oauth.rstrip("/") + TOKEN_PATH, data=form, headers={"secret_key": app_secret},
            timeout=TIMEOUT,
        ) as response:  # fmt: skip
            status, raw = response.status, await response.read()
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise TransportError(f"Zalo OAuth unreachable: {type(exc).__name__}") from exc
    return _tokens(status, _json(raw), int(time.time()))


async def oa_name(http: aiohttp.ClientSession, openapi: str, access_token: str) -> str:
    """The OA's display name (getoa); the OA id comes with the redirect."""
    try:
        async with http.get(
            openapi.rstrip("/") + OA_INFO_PATH, headers={"access_token": access_token},
            timeout=TIMEOUT,
        ) as response:  # fmt: skip
            status, raw = response.status, await response.read()
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise TransportError(f"Zalo OpenAPI unreachable: {type(exc).__name__}") from exc
    answer = _json(raw)
    if status >= 400 or answer.get("error") not in (0, None):
        message = str(answer.get("message", ""))[:200]
        raise PlatformApiError(f"Zalo getoa error: {message}", code=answer.get("error"),
                               http_status=status)  # fmt: skip
    data = answer.get("data")
    if not isinstance(data, dict) or not data.get("name"):
        raise PayloadError("Zalo getoa answered no OA name")
    return str(data["name"])
