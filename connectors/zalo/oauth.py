"""Zalo OA access-token refresh (HTTP only): a single-use refresh token for a new token pair.

POST {oauth}/v4/oa/access_token, header `secret_key` (the app secret), form
`refresh_token`, `app_id`, `grant_type=refresh_token`. Zalo answers the new `access_token`,
`refresh_token` and `expires_in` (seconds, often as a string); a used, expired or unknown refresh
token answers an `error` code and raises TokenError. Tokens never appear in error messages.
"""

from __future__ import annotations

import time
from typing import Any

import aiohttp
import orjson

from connectors.errors import PlatformApiError, RateLimitedError, TokenError, TransportError
from connectors.tokens import TokenPair

TOKEN_PATH = "/v4/oa/access_token"
REFUSED_CODES = frozenset({-14014, -14019, -14020, -118})  # invalid / used / expired token
TIMEOUT = aiohttp.ClientTimeout(total=15)


async def refresh_oa_token(
    http: aiohttp.ClientSession, base_url: str, app_id: str, app_secret: str, refresh_token: str
) -> TokenPair:
    form = {"refresh_token": refresh_token, "app_id": app_id, "grant_type": "refresh_token"}
    try:
        async with http.post(
            base_url.rstrip("/") + TOKEN_PATH, data=form, headers={"secret_key": app_secret},
            timeout=TIMEOUT,
        ) as response:  # fmt: skip
            status, raw = response.status, await response.read()
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise TransportError(f"Zalo OAuth unreachable: {type(exc).__name__}") from exc
    try:
        answer: dict[str, Any] = orjson.loads(raw)
    except orjson.JSONDecodeError:
        answer = {"error": None}
    return _pair(status, answer)


def _pair(status: int, answer: dict[str, Any]) -> TokenPair:
    code = answer.get("error")
    name = str(answer.get("error_name") or answer.get("message") or "")[:200]
    if status == 429:
        raise RateLimitedError(f"Zalo OAuth rate limit: {name}", code=code, http_status=status)
    if code in REFUSED_CODES or status in (400, 401):
        raise TokenError(f"Zalo refused the refresh token: {name}", code=code, http_status=status)
    if status >= 400 or not answer.get("access_token") or not answer.get("refresh_token"):
        raise PlatformApiError(f"Zalo OAuth error: {name}", code=code, http_status=status)
    expires_in = int(answer.get("expires_in") or 0)
    return TokenPair(
        str(answer["access_token"]), str(answer["refresh_token"]), int(time.time()) + expires_in
    )
