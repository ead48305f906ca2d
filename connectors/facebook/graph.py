"""Graph API calls chotdon makes for a Page. Base URLs come from settings (the simulator in tests).

Errors become the connectors' exception tree: rate limits (codes 4, 17, 32, 613, HTTP 429),
token problems (190 expired/invalid, 10 and 200-299 missing permission) and the rest. The access
token travels as a query parameter and never appears in an exception message or a log.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson

from connectors.errors import (
    AlreadyDoneError,
    PayloadError,
    PlatformApiError,
    RateLimitedError,
    TokenError,
    TransportError,
)
from connectors.facebook.models import CommentsPage, LiveVideo

RATE_LIMIT_CODES = frozenset({4, 17, 32, 613})
TOKEN_CODES = frozenset({190, 10, *range(200, 300)})
ALREADY_REPLIED_CODE = 10900  # "Activity already replied to": one private reply per comment
COMMENT_FIELDS = "from{name,id},message,created_time"


def graph_error(status: int, payload: Any) -> PlatformApiError:
    error = payload.get("error") if isinstance(payload, dict) else None
    error = error if isinstance(error, dict) else {}
    code = error.get("code") if isinstance(error.get("code"), int) else None
    subcode = error.get("error_subcode") if isinstance(error.get("error_subcode"), int) else None
    message = f"Graph API error {code} (HTTP {status}): {str(error.get('message', ''))[:300]}"
    kind: type[PlatformApiError] = PlatformApiError
    if status == 429 or code in RATE_LIMIT_CODES:
        kind = RateLimitedError
    elif code in TOKEN_CODES:
        kind = TokenError
    elif code == ALREADY_REPLIED_CODE:
        kind = AlreadyDoneError
    return kind(message, code=code, subcode=subcode, http_status=status)


class GraphClient:
    def __init__(self, http: aiohttp.ClientSession, graph_url: str, timeout_s: float = 15.0):
        self.http, self.graph_url = http, graph_url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def call(
        self,
        method: str,
        path: str,
        token: str,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        query = {k: str(v) for k, v in (params or {}).items() if v is not None}
        query["access_token"] = token
        try:
            async with self.http.request(
                method,
                f"{self.graph_url}/{path.lstrip('/')}",
                params=query,
                data=orjson.dumps(body) if body is not None else None,
                headers={"Content-Type": "application/json"} if body is not None else None,
                timeout=self.timeout,
            ) as response:
                raw = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TransportError(f"Graph API unreachable: {type(exc).__name__}") from None
        try:
            payload = orjson.loads(raw) if raw else {}
        except orjson.JSONDecodeError:
            payload = {}
        if status >= 400 or (isinstance(payload, dict) and "error" in payload):
            raise graph_error(status, payload)
        if not isinstance(payload, dict):
            raise PayloadError("Graph API answered something other than a JSON object")
        return payload

    async def live_videos(self, page_id: str, token: str) -> list[LiveVideo]:
        fields = "id,status,title,creation_time,video{id}"
        payload = await self.call("GET", f"{page_id}/live_videos", token, {"fields": fields})
        return [LiveVideo.model_validate(item) for item in payload.get("data", [])]

    async def comments(
        self, object_id: str, token: str, *, since: int | None, after: str | None, limit: int
    ) -> CommentsPage:
        """One page of the comments edge, newest first (live_filter=no_filter: nothing hidden)."""
        params = {
            "order": "reverse_chronological",
            "live_filter": "no_filter",
            "filter": "stream",
            "fields": COMMENT_FIELDS,
            "since": since,
            "after": after,
            "limit": limit,
        }
        payload = await self.call("GET", f"{object_id}/comments", token, params)
        paging = payload.get("paging") or {}
        cursor = (paging.get("cursors") or {}).get("after") if paging.get("next") else None
        return CommentsPage(data=payload.get("data", []), after=cursor)

    async def private_reply(self, page_id: str, comment_id: str, text: str, token: str) -> str:
        body = {"recipient": {"comment_id": comment_id}, "message": {"text": text}}
        payload = await self.call("POST", f"{page_id}/messages", token, body=body)
        return str(payload.get("message_id", ""))

    async def send_message(
        self,
        page_id: str,
        psid: str,
        text: str,
        token: str,
        *,
        messaging_type: str,
        tag: str | None = None,
    ) -> str:
        body: dict[str, Any] = {
            "recipient": {"id": psid},
            "message": {"text": text},
            "messaging_type": messaging_type,
        }
        if tag:
            body["tag"] = tag
        payload = await self.call("POST", f"{page_id}/messages", token, body=body)
        return str(payload.get("message_id", ""))

    async def hide_comment(self, comment_id: str, token: str) -> None:
        await self.call("POST", comment_id, token, {"is_hidden": "true"})
