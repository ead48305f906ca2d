"""A fake Zalo OA for demo and tests, speaking the documented wire format.

POST /v3.0/oa/message/cs     a customer-service text (header access_token), recorded in state.sent
Webhooks go the other way: `user_text` builds a user_send_text event and `webhook_headers` signs it
with X-ZEvent-Signature, so tests exercise the connector's real verification.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

from connectors.zalo.signature import SIGNATURE_HEADER, sign

_ids = itertools.count(1)


@dataclass
class ZaloState:
    app_id: str
    secret: str
    tokens: dict[str, str] = field(default_factory=dict)  # access token → OA id
    sent: list[dict[str, Any]] = field(default_factory=list)


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


STATE = web.AppKey("zalo_state", ZaloState)


def create_app(state: ZaloState) -> web.Application:
    app = web.Application()
    app[STATE] = state
    app.router.add_post("/v3.0/oa/message/cs", send_cs)
    return app


def user_text(
    state: ZaloState, oa_id: str, user_id: str, text: str, msg_id: str | None = None
) -> bytes:
    """A user_send_text event as Zalo posts it (timestamp in milliseconds, as a string)."""
    message = {"msg_id": msg_id or f"zm{next(_ids)}", "text": text}
    event = {
        "app_id": state.app_id, "user_id_by_app": f"app-{user_id}", "event_name": "user_send_text",
        "timestamp": str(int(time.time() * 1000)), "sender": {"id": user_id},
        "recipient": {"id": oa_id}, "message": message,
    }  # fmt: skip
    return orjson.dumps(event)


def webhook_headers(state: ZaloState, body: bytes) -> dict[str, str]:
    timestamp = str(orjson.loads(body)["timestamp"])
    return {
        SIGNATURE_HEADER: sign(state.app_id, body, timestamp, state.secret),
        "Content-Type": "application/json",
    }
