"""TikTok Shop access-token refresh (HTTP only): the shop's refresh token for a new token pair.

GET {auth}/api/v2/token/refresh?app_key=…&app_secret=…&refresh_token=…&grant_type=refresh_token
answers `data{access_token, access_token_expire_in (unix seconds), refresh_token, …}`. A refused
refresh token raises TokenError; tokens and the app secret never appear in error messages.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson

from connectors.errors import PlatformApiError, RateLimitedError, TokenError, TransportError
from connectors.tokens import TokenPair

REFRESH_PATH = "/api/v2/token/refresh"
REFUSED_CODES = frozenset({36004005, 36004006, 105002})  # invalid, used or expired refresh token
TIMEOUT = aiohttp.ClientTimeout(total=20)


async def refresh_shop_token(
    http: aiohttp.ClientSession, base_url: str, app_key: str, app_secret: str, refresh_token: str
) -> TokenPair:
    params = {
        "app_key": app_key, "app_secret": app_secret, "refresh_token": refresh_token,
        "grant_type": "refresh_token",
    }  # fmt: skip
    return _pair(*await auth_get(http, base_url, REFRESH_PATH, params))


async def auth_get(
    http: aiohttp.ClientSession, base_url: str, path: str, params: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    """One GET to TikTok Shop's auth host (token/get, token/refresh): the HTTP status and the
    answer's JSON object ({} when the body is empty or not a JSON object)."""
    try:
        async with http.get(
            base_url.rstrip("/") + path, params=params, timeout=TIMEOUT
        ) as response:
            status, raw = response.status, await response.read()
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise TransportError(f"TikTok auth unreachable: {type(exc).__name__}") from exc
    try:
        answer = orjson.loads(raw) if raw else {}
    except orjson.JSONDecodeError:
        answer = {}
    return status, answer if isinstance(answer, dict) else {}


def _pair(status: int, answer: dict[str, Any]) -> TokenPair:
    code, message = answer.get("code"), str(answer.get("message", ""))[:200]
    data: dict[str, Any] = answer.get("data") or {}
    if status == 429:
        raise RateLimitedError(f"TikTok auth rate limit: {message}", code=code, http_status=status)
    if code in REFUSED_CODES:
        raise TokenError(
            f"TikTok refused the refresh token: {message}", code=code, http_status=status
        )
    if status >= 400 or code != 0 or not data.get("access_token") or not data.get("refresh_token"):
        raise PlatformApiError(f"TikTok auth error: {message}", code=code, http_status=status)
    refresh_ends = data.get("refresh_token_expire_in")
    return TokenPair(
        str(data["access_token"]), str(data["refresh_token"]), int(data["access_token_expire_in"]),
        int(refresh_ends) if isinstance(refresh_ends, int) and refresh_ends > 0 else None,
    )  # fmt: skip
