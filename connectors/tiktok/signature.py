"""TikTok Shop signatures.

Webhooks: header `Authorization` = hex HMAC-SHA256(app_secret, app_key + raw body).
API calls: the query parameters except `sign` and `access_token`, sorted by key, concatenated as
key + value, prefixed with the path, followed by the raw body (non-GET), wrapped in app_secret at
both ends; `sign` = hex HMAC-SHA256(app_secret, that string).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from connectors.errors import SignatureError

WEBHOOK_HEADER = "Authorization"
UNSIGNED_PARAMS = frozenset({"sign", "access_token"})


def sign_webhook(app_key: str, app_secret: bytes, body: bytes) -> str:
    """The Authorization header TikTok sends with `body` (used by the simulator and tests)."""
    return hmac.new(app_secret, app_key.encode() + body, hashlib.sha256).hexdigest()


def verify_webhook(body: bytes, header: str | None, app_key: str, app_secret: bytes) -> None:
    """Raise SignatureError unless `header` signs the raw `body`; constant-time compare."""
    if not header:
        raise SignatureError(f"missing {WEBHOOK_HEADER} header", missing=True)
    expected = sign_webhook(app_key, app_secret, body)
    if not hmac.compare_digest(expected.encode(), header.strip().lower().encode()):
        raise SignatureError(f"{WEBHOOK_HEADER} does not match the body")


def sign_request(app_secret: bytes, path: str, params: Mapping[str, str], body: bytes) -> str:
    """The `sign` query parameter of an API call (body is b"" for GET)."""
    pairs = "".join(f"{k}{params[k]}" for k in sorted(params) if k not in UNSIGNED_PARAMS)
    message = app_secret + path.encode() + pairs.encode() + body + app_secret
    return hmac.new(app_secret, message, hashlib.sha256).hexdigest()


def request_signed(app_secret: bytes, path: str, params: Mapping[str, str], body: bytes) -> bool:
    """True when the call's `sign` parameter is right (the simulator's check)."""
    expected = sign_request(app_secret, path, params, body)
    return hmac.compare_digest(expected.encode(), params.get("sign", "").encode())
