"""Facebook Login for Business, code flow (HTTP only): the dialog URL, the code exchange, the
long-lived user token, the Pages the person manages, and the app's webhook subscription per Page.

Documented at:
- https://developers.facebook.com/docs/facebook-login/facebook-login-for-business (a configuration
  id, `config_id`, replaces `scope`; `response_type=code` with `override_default_response_type`)
- https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow (the dialog,
  `state`, the redirect with `code` or `error`/`error_reason`, GET /oauth/access_token with
  client_id, redirect_uri, client_secret, code → {access_token, token_type, expires_in})
- https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived
  (grant_type=fb_exchange_token → a user token of about 60 days; Page tokens read with it from
  /me/accounts do not expire)
- https://developers.facebook.com/docs/graph-api/reference/user/accounts (id, name, access_token,
  tasks; cursor paging)
- https://developers.facebook.com/docs/graph-api/reference/page/subscribed_apps (POST with
  subscribed_fields and the Page token → {"success": true}; needs pages_manage_metadata)
Tokens and the app secret travel as query parameters and never appear in an error message.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
import orjson

from connectors.errors import PayloadError, TransportError
from connectors.facebook.graph import graph_error

WEBHOOK_FIELDS = ("feed", "messages", "live_videos")
PAGE_FIELDS = "id,name,access_token,tasks"
TIMEOUT = aiohttp.ClientTimeout(total=15)
MAX_PAGES = 200
MAX_CALLS = 20


@dataclass(frozen=True, slots=True)
class UserToken:
    access_token: str = field(repr=False)
    expires_at: int | None  # unix seconds; None when Facebook gives no expiry


@dataclass(frozen=True, slots=True)
class ManagedPage:
    id: str
    name: str
    access_token: str = field(repr=False)
    tasks: tuple[str, ...]


def dialog_url(dialog: str, app_id: str, config_id: str, redirect_uri: str, state: str) -> str:
    """Where the director's browser goes to log in and grant the app its Pages."""
    query = {
        "client_id": app_id, "redirect_uri": redirect_uri, "state": state,
        "response_type": "code", "override_default_response_type": "true",
    }  # fmt: skip
    if config_id:
        query["config_id"] = config_id
    return f"{dialog}?{urlencode(query)}"


async def _get(http: aiohttp.ClientSession, url: str, params: dict[str, str]) -> dict[str, Any]:
    try:
        async with http.get(url, params=params, timeout=TIMEOUT) as response:
            status, raw = response.status, await response.read()
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise TransportError(f"Graph API unreachable: {type(exc).__name__}") from None
    return _answer(status, raw)


def _answer(status: int, raw: bytes) -> dict[str, Any]:
    try:
        payload = orjson.loads(raw) if raw else {}
    except orjson.JSONDecodeError:
        payload = {}
    if status >= 400 or not isinstance(payload, dict) or "error" in payload:
        raise graph_error(status, payload)
    return payload


def _user_token(answer: dict[str, Any], now: int) -> UserToken:
    token = answer.get("access_token")
    if not isinstance(token, str) or not token:
        raise PayloadError("Facebook answered no access_token")
    expires_in = answer.get("expires_in")
    expires = now + int(expires_in) if isinstance(expires_in, int) and expires_in > 0 else None
    return UserToken(token, expires)


async def exchange_code(
    http: aiohttp.ClientSession, graph: str, app_id: str, app_secret: str, redirect_uri: str,
    code: str,
) -> UserToken:  # fmt: skip
    """The code from the redirect → a short-lived user access token."""
    params = {
        "client_id": app_id, "redirect_uri": redirect_uri, "client_secret": app_secret,
        "code": code,
    }  # fmt: skip
    answer = await _get(http, f"{graph.rstrip('/')}/oauth/access_token", params)
    return _user_token(answer, int(time.time()))


async def long_lived(
    http: aiohttp.ClientSession, graph: str, app_id: str, app_secret: str, short: UserToken
) -> UserToken:
    """A short-lived user token → a long-lived one (about 60 days)."""
    params = {
        "grant_type": "fb_exchange_token", "client_id": app_id, "client_secret": app_secret,
        "fb_exchange_token": short.access_token,
    }  # fmt: skip
    answer = await _get(http, f"{graph.rstrip('/')}/oauth/access_token", params)
    return _user_token(answer, int(time.time()))


def _page(item: Any) -> ManagedPage | None:
    if not isinstance(item, dict):
        return None
    page_id, name, token = item.get("id"), item.get("name"), item.get("access_token")
    if not (isinstance(page_id, str) and isinstance(token, str) and token):
        return None
    listed = item.get("tasks")
    tasks: list[Any] = listed if isinstance(listed, list) else []
    return ManagedPage(page_id, str(name or page_id), token, tuple(str(t) for t in tasks))


async def managed_pages(
    http: aiohttp.ClientSession, graph: str, user: UserToken
) -> list[ManagedPage]:
    """The Pages the person granted, each with its Page token (all cursor pages read)."""
    url: str | None = f"{graph.rstrip('/')}/me/accounts"
    params: dict[str, str] = {"fields": PAGE_FIELDS, "access_token": user.access_token}
    found: list[ManagedPage] = []
    for _ in range(MAX_CALLS):  # a cursor that never ends cannot hold the login forever
        if not url or len(found) >= MAX_PAGES:
            break
        answer = await _get(http, url, params)
        found.extend(p for p in map(_page, answer.get("data") or []) if p is not None)
        cursors = (answer.get("paging") or {}).get("cursors") or {}
        after = cursors.get("after") if (answer.get("paging") or {}).get("next") else None
        url = url if after else None
        params = {**params, "after": str(after)} if after else params
    return found


async def subscribe_page(
    http: aiohttp.ClientSession, graph: str, page: ManagedPage, fields: tuple[str, ...]
) -> None:
    """Subscribe the app to the Page's webhooks (feed, messages, live_videos)."""
    params = {"subscribed_fields": ",".join(fields), "access_token": page.access_token}
    url = f"{graph.rstrip('/')}/{page.id}/subscribed_apps"
    try:
        async with http.post(url, params=params, timeout=TIMEOUT) as response:
            status, raw = response.status, await response.read()
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise TransportError(f"Graph API unreachable: {type(exc).__name__}") from None
    if _answer(status, raw).get("success") is not True:
        raise PayloadError("Facebook did not confirm the webhook subscription")
