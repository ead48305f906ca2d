"""The signed TikTok Shop Order API client (HTTP only): search, details, customer-service messages.

Every call carries app_key, timestamp, shop_cipher and sign as query parameters and the shop's
token in `x-tts-access-token`. HTTP 429 raises RateLimitedError (the caller backs off); an expired
token raises TokenError; anything but `code == 0` raises PlatformApiError.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp
import orjson

from connectors.errors import (
    PayloadError,
    PlatformApiError,
    RateLimitedError,
    TokenError,
    TransportError,
)
from connectors.tiktok.models import MAX_IDS_PER_CALL, Order, SearchPage
from connectors.tiktok.signature import sign_request

TOKEN_HEADER = "x-tts-access-token"
SEARCH_PATH = "/order/202309/orders/search"
DETAIL_PATH = "/order/202309/orders"
TOKEN_CODES = frozenset({105001, 105002, 36004004})  # invalid / expired access token
TIMEOUT = aiohttp.ClientTimeout(total=20)


def _raise_for(status: int, answer: dict[str, Any]) -> None:
    code = answer.get("code")
    message = str(answer.get("message", ""))[:300]
    if status == 429:
        raise RateLimitedError(f"rate limited: {message}", code=code, http_status=status)
    if status == 401 or code in TOKEN_CODES:
        raise TokenError(f"access token refused: {message}", code=code, http_status=status)
    if status >= 400 or code != 0:
        raise PlatformApiError(f"TikTok Shop error: {message}", code=code, http_status=status)


class ShopClient:
    """One per process; the token and shop cipher are passed per call (they belong to a shop)."""

    def __init__(
        self, http: aiohttp.ClientSession, base_url: str, app_key: str, app_secret: bytes
    ) -> None:
        self.http, self.base_url = http, base_url.rstrip("/")
        self.app_key, self._secret = app_key, app_secret

    def __repr__(self) -> str:
        return f"ShopClient({self.base_url!r}, app_key={self.app_key!r})"

    def _params(
        self, path: str, shop_cipher: str, extra: Mapping[str, str], body: bytes
    ) -> dict[str, str]:
        params = {"app_key": self.app_key, "timestamp": str(int(time.time())), **extra}
        if shop_cipher:
            params["shop_cipher"] = shop_cipher
        params["sign"] = sign_request(self._secret, path, params, body)
        return params

    async def call(
        self,
        method: str,
        path: str,
        *,
        token: str,
        shop_cipher: str,
        query: Mapping[str, str] | None = None,
        json: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        body = orjson.dumps(json) if json is not None else b""
        params = self._params(path, shop_cipher, query or {}, body)
        headers = {TOKEN_HEADER: token, "Content-Type": "application/json"}
        try:
            async with self.http.request(
                method, self.base_url + path, params=params, data=body or None,
                headers=headers, timeout=TIMEOUT,
            ) as response:  # fmt: skip
                raw = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TransportError(f"TikTok Shop unreachable: {type(exc).__name__}") from exc
        try:
            answer = orjson.loads(raw) if raw else {}
        except orjson.JSONDecodeError:
            answer = {"message": raw[:200].decode(errors="replace")}
        _raise_for(status, answer)
        data: dict[str, Any] = answer.get("data") or {}
        return data

    async def search_orders(
        self, token: str, shop_cipher: str, *, updated_from: int, updated_to: int,
        page_token: str = "", page_size: int = 50,
    ) -> SearchPage:  # fmt: skip
        """Orders updated in [updated_from, updated_to), oldest update first, one page."""
        query = {"page_size": str(page_size), "sort_field": "update_time", "sort_order": "ASC"}
        if page_token:
            query["page_token"] = page_token
        body = {"update_time_ge": updated_from, "update_time_lt": updated_to}
        data = await self.call(
            "POST", SEARCH_PATH, token=token, shop_cipher=shop_cipher, query=query, json=body
        )
        return SearchPage.model_validate(data)

    async def get_orders(
        self, token: str, shop_cipher: str, ids: Sequence[str]
    ) -> list[tuple[Order, dict[str, Any]]]:
        """Details of up to 50 orders: (parsed, raw) pairs."""
        if not 0 < len(ids) <= MAX_IDS_PER_CALL:
            raise ValueError(f"between 1 and {MAX_IDS_PER_CALL} order ids per call")
        data = await self.call(
            "GET", DETAIL_PATH, token=token, shop_cipher=shop_cipher, query={"ids": ",".join(ids)}
        )
        try:
            return [(Order.model_validate(raw), raw) for raw in data.get("orders", [])]
        except ValueError as exc:
            raise PayloadError(f"order detail not as documented: {str(exc)[:300]}") from None

    async def send_message(
        self, token: str, shop_cipher: str, conversation_id: str, text: str
    ) -> str:
        """A customer-service text message (≤ 2000 characters) in a buyer's conversation."""
        path = f"/customer_service/202309/conversations/{conversation_id}/messages"
        body = {"type": "TEXT", "content": orjson.dumps({"content": text[:2000]}).decode()}
        data = await self.call("POST", path, token=token, shop_cipher=shop_cipher, json=body)
        return str(data.get("message_id", ""))
