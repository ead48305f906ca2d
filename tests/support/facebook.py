"""Facebook test helpers: secrets, signed webhook bodies, an app client with Facebook settings."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from aggregator.settings import Settings
from aggregator.web.app import create_app
from connectors.facebook.signature import SIGNATURE_HEADER, sign

APP_SECRET = "meta-app-secret-for-tests"
VERIFY_TOKEN = "verify-token-for-tests"
CHOTDON_SECRET = "chotdon-app-secret-for-tests-0123456789"


def facebook_settings(settings: Settings, **extra: Any) -> Settings:
    return settings.model_copy(
        update={
            "facebook_app_secret": SecretStr(APP_SECRET),
            "facebook_verify_token": SecretStr(VERIFY_TOKEN),
            "app_secret": SecretStr(CHOTDON_SECRET),
            **extra,
        }
    )


def comment_change(
    comment_id: str, post_id: str, message: str, *, author: str = "u1", verb: str = "add"
) -> dict[str, Any]:
    return {
        "field": "feed",
        "value": {
            "item": "comment", "verb": verb, "comment_id": comment_id, "post_id": post_id,
            "from": {"id": author, "name": f"Khách {author}"}, "message": message,
            "created_time": int(time.time()),
        },
    }  # fmt: skip


def envelope(page_id: str, changes: list[dict[str, Any]], at_ms: int | None = None) -> bytes:
    entry = {"id": page_id, "time": at_ms or int(time.time() * 1000), "changes": changes}
    return orjson.dumps({"object": "page", "entry": [entry]})


def signed_headers(body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    return {SIGNATURE_HEADER: sign(body, secret.encode()), "Content-Type": "application/json"}


@contextlib.asynccontextmanager
async def app_client(settings: Settings) -> AsyncIterator[TestClient[Any, Any]]:
    client = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()
