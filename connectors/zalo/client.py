"""The Zalo OA message client (HTTP only): customer-service texts and ZNS template messages.

Zalo answers HTTP 200 with `error` = 0 on success; a negative code otherwise. An invalid or
expired access token (-216, -124) raises TokenError; anything else PlatformApiError.
ZNS (Zalo Notification Service) sends a pre-approved template to a phone number (84xxxxxxxxx),
`POST {zns}/message/template` with `phone`, `template_id`, `template_data`, `tracking_id`.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson

from connectors.errors import PlatformApiError, RateLimitedError, TokenError, TransportError

CS_PATH = "/v3.0/oa/message/cs"
ZNS_PATH = "/message/template"
TOKEN_CODES = frozenset({-216, -124})
RATE_CODES = frozenset({-32})
TIMEOUT = aiohttp.ClientTimeout(total=15)


class OAClient:
    def __init__(self, http: aiohttp.ClientSession, base_url: str, zns_url: str = "") -> None:
        self.http, self.base_url = http, base_url.rstrip("/")
        self.zns_url = (zns_url or base_url).rstrip("/")

    async def send_text(self, token: str, user_id: str, text: str) -> str:
        """Send `text` to the follower `user_id`; returns Zalo's message id."""
        body = {"recipient": {"user_id": user_id}, "message": {"text": text}}
        data = await self._post(self.base_url + CS_PATH, token, body)
        return str(data.get("message_id", ""))

    async def send_zns(
        self, token: str, phone: str, template_id: str, template_data: dict[str, Any],
        tracking_id: str,
    ) -> str:  # fmt: skip
        """A ZNS template message to `phone` (84…); returns Zalo's msg_id."""
        body = {
            "phone": phone, "template_id": template_id, "template_data": template_data,
            "tracking_id": tracking_id,
        }  # fmt: skip
        data = await self._post(self.zns_url + ZNS_PATH, token, body)
        return str(data.get("msg_id", ""))

    async def _post(self, url: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
        headers = {"access_token": token, "Content-Type": "application/json"}
        try:
            async with self.http.post(
                url, data=orjson.dumps(body), headers=headers, timeout=TIMEOUT
            ) as response:
                status, raw = response.status, await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TransportError(f"Zalo unreachable: {type(exc).__name__}") from exc
        try:
            answer: dict[str, Any] = orjson.loads(raw)
        except orjson.JSONDecodeError:
            answer = {"error": None, "message": raw[:200].decode(errors="replace")}
        code, message = answer.get("error"), str(answer.get("message", ""))[:300]
        if status == 429 or code in RATE_CODES:
            raise RateLimitedError(f"Zalo rate limit: {message}", code=code, http_status=status)
        if code in TOKEN_CODES:
            raise TokenError(f"Zalo access token refused: {message}", code=code, http_status=status)
        if status >= 400 or code != 0:
            raise PlatformApiError(f"Zalo error: {message}", code=code, http_status=status)
        data: dict[str, Any] = answer.get("data") or {}
        return data
