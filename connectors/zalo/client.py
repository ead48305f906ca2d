"""The Zalo OA message client (HTTP only): customer-service text messages to a follower.

Zalo answers HTTP 200 with `error` = 0 on success; a negative code otherwise. An invalid or
expired access token (-216, -124) raises TokenError; anything else PlatformApiError.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson

from connectors.errors import PlatformApiError, RateLimitedError, TokenError, TransportError

CS_PATH = "/v3.0/oa/message/cs"
TOKEN_CODES = frozenset({-216, -124})
RATE_CODES = frozenset({-32})
TIMEOUT = aiohttp.ClientTimeout(total=15)


class OAClient:
    def __init__(self, http: aiohttp.ClientSession, base_url: str) -> None:
        self.http, self.base_url = http, base_url.rstrip("/")

    async def send_text(self, token: str, user_id: str, text: str) -> str:
        """Send `text` to the follower `user_id`; returns Zalo's message id."""
        body = {"recipient": {"user_id": user_id}, "message": {"text": text}}
        headers = {"access_token": token, "Content-Type": "application/json"}
        try:
            async with self.http.post(
                self.base_url + CS_PATH, data=orjson.dumps(body), headers=headers, timeout=TIMEOUT
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
        return str((answer.get("data") or {}).get("message_id", ""))
