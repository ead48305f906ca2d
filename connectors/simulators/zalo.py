"""A fake Zalo OA for demo and tests, speaking the documented wire format.

POST /v3.0/oa/message/cs     a customer-service text (header access_token), recorded in state.sent
POST /message/template       a ZNS template message to a phone (84…), recorded in state.zns
POST /v4/oa/access_token     refresh (header secret_key; form refresh_token, app_id): a new access
                             token and a new single-use refresh token; a used one is refused;
                             grant_type=authorization_code with PKCE: zalo_login.py
GET  /v4/oa/permission, /v2.0/oa/getoa: the OA authorization screen and profile (zalo_login.py)
Webhooks go the other way: `user_text` builds a user_send_text event (and `follow`, `user_image`,
`user_sticker`, `oa_text` the other documented shapes, tests/fixtures/wire/zalo/), and
`webhook_headers` signs it with X-ZEvent-Signature, so tests exercise the real verification.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

from connectors.simulators.zalo_login import ZaloLogin, add_login_routes, code_grant
from connectors.zalo.signature import SIGNATURE_HEADER, sign

_ids = itertools.count(1)


@dataclass
class ZaloState:
    app_id: str
    secret: str
    tokens: dict[str, str] = field(default_factory=dict)  # access token → OA id
    sent: list[dict[str, Any]] = field(default_factory=list)
    app_secret: str = "zalo-app-secret"
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # unused refresh token → OA id
    used_refresh_tokens: set[str] = field(default_factory=set)
    token_calls: int = 0
    zns: list[dict[str, Any]] = field(default_factory=list)
    zns_templates: set[str] = field(default_factory=lambda: {"zns-order-update"})
    expires_in_s: int = 90_000  # about 25 hours, as Zalo
    login: ZaloLogin = field(default_factory=ZaloLogin)  # OAuth v4 with PKCE (zalo_login.py)

    def issue_tokens(self, oa_id: str) -> tuple[str, str]:
        """A fresh (access token, refresh token) pair for the OA."""
        n = next(_ids)
        access, refresh = f"zat-{oa_id}-{n}", f"zrt-{oa_id}-{n}"
        self.tokens[access] = oa_id
        self.refresh_tokens[refresh] = oa_id
        return access, refresh


async def send_cs(request: web.Request) -> web.Response:
    state = request.app[STATE]
    oa_id = state.tokens.get(request.headers.get("access_token", ""))
    if oa_id is None:
        return web.json_response({"error": -216, "message": "Access token is invalid"})
    body = orjson.loads(await request.read())
    user_id = body.get("recipient", {}).get("user_id")
    text = body.get("message", {}).get("text")
    if not user_id or not text:
        return web.json_response({"error": -201, "message": "Parameters are invalid"})
    message_id = f"zmsg{next(_ids)}"
    state.sent.append({"oa_id": oa_id, "user_id": user_id, "text": text, "message_id": message_id})
    return web.json_response(
        {"error": 0, "message": "Success", "data": {"message_id": message_id, "user_id": user_id}}
    )


async def send_zns(request: web.Request) -> web.Response:
    state = request.app[STATE]
    oa_id = state.tokens.get(request.headers.get("access_token", ""))
    if oa_id is None:
        return web.json_response({"error": -216, "message": "Access token is invalid"})
    body = orjson.loads(await request.read())
    phone = str(body.get("phone", ""))
    if not (phone.startswith("84") and len(phone) == 11 and phone.isdigit()):
        return web.json_response({"error": -108, "message": "Phone number is invalid"})
    if body.get("template_id") not in state.zns_templates:
        return web.json_response({"error": -1124, "message": "Template is invalid"})
    msg_id = f"zns{next(_ids)}"
    state.zns.append({"oa_id": oa_id, "msg_id": msg_id, **body})
    return web.json_response({"error": 0, "message": "Success", "data": {"msg_id": msg_id}})


async def access_token(request: web.Request) -> web.Response:
    state = request.app[STATE]
    state.token_calls += 1
    form = await request.post()
    if request.headers.get("secret_key") != state.app_secret or form.get("app_id") != state.app_id:
        return web.json_response({"error": -14003, "error_name": "Invalid app secret"})
    if form.get("grant_type") == "authorization_code":
        return web.json_response(code_grant(state.login, state, form))
    refresh = str(form.get("refresh_token", ""))
    oa_id = state.refresh_tokens.pop(refresh, None)
    if oa_id is None or form.get("grant_type") != "refresh_token":
        used = refresh in state.used_refresh_tokens
        name = "Refresh token was used" if used else "Invalid refresh token"
        return web.json_response({"error": -14014, "error_name": name})
    state.used_refresh_tokens.add(refresh)
    access, new_refresh = state.issue_tokens(oa_id)
    expires_in = str(state.expires_in_s)
    return web.json_response(
        {"access_token": access, "refresh_token": new_refresh, "expires_in": expires_in}
    )


STATE = web.AppKey("zalo_state", ZaloState)


def create_app(state: ZaloState) -> web.Application:
    app = web.Application()
    app[STATE] = state
    app.router.add_post("/v3.0/oa/message/cs", send_cs)
    app.router.add_post("/v4/oa/access_token", access_token)
    app.router.add_post("/message/template", send_zns)
    add_login_routes(app, state.login, state)
    return app


def _now_ms() -> str:
    return str(int(time.time() * 1000))


def _message(
    state: ZaloState, event_name: str, sender: str, recipient: str, message: dict[str, Any],
    app_user: str,
) -> bytes:  # fmt: skip
    event = {
        "app_id": state.app_id, "user_id_by_app": f"app-{app_user}", "event_name": event_name,
        "timestamp": _now_ms(), "sender": {"id": sender}, "recipient": {"id": recipient},
        "message": message,
    }  # fmt: skip
    return orjson.dumps(event)


def user_text(
    state: ZaloState, oa_id: str, user_id: str, text: str, msg_id: str | None = None
) -> bytes:
    """A user_send_text event as Zalo posts it (timestamp in milliseconds, as a string)."""
    message = {"msg_id": msg_id or f"zm{next(_ids)}", "text": text}
    return _message(state, "user_send_text", user_id, oa_id, message, user_id)


def _attachment(state: ZaloState, event_name: str, oa_id: str, user_id: str, kind: str,
                payload: dict[str, str]) -> bytes:  # fmt: skip
    message = {"msg_id": f"zm{next(_ids)}", "text": "",
               "attachments": [{"payload": payload, "type": kind}]}  # fmt: skip
    return _message(state, event_name, user_id, oa_id, message, user_id)


def user_image(state: ZaloState, oa_id: str, user_id: str, url: str) -> bytes:
    payload = {"thumbnail": url, "url": url}
    return _attachment(state, "user_send_image", oa_id, user_id, "image", payload)


def user_sticker(state: ZaloState, oa_id: str, user_id: str, sticker_id: str) -> bytes:
    payload = {"id": sticker_id, "url": f"https://zalo.me/sticker/{sticker_id}"}
    return _attachment(state, "user_send_sticker", oa_id, user_id, "sticker", payload)


def oa_text(state: ZaloState, oa_id: str, user_id: str, text: str) -> bytes:
    """The OA's own message echoed back: the sender is the OA."""
    message = {"msg_id": f"zm{next(_ids)}", "text": text}
    return _message(state, "oa_send_text", oa_id, user_id, message, user_id)


def follow(state: ZaloState, oa_id: str, user_id: str, event_name: str = "follow") -> bytes:
    """follow / unfollow: `oa_id` and `follower`, no sender or recipient."""
    event = {
        "oa_id": oa_id, "follower": {"id": user_id}, "user_id_by_app": f"app-{user_id}",
        "event_name": event_name, "source": "oa_profile", "app_id": state.app_id,
        "timestamp": _now_ms(),
    }  # fmt: skip
    return orjson.dumps(event)


def webhook_headers(state: ZaloState, body: bytes) -> dict[str, str]:
    timestamp = str(orjson.loads(body)["timestamp"])
    return {
        SIGNATURE_HEADER: sign(state.app_id, body, timestamp, state.secret),
        "Content-Type": "application/json",
    }
