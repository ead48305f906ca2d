"""X-ZEvent-Signature: `mac=` + hex SHA-256 of app_id + raw body + timestamp + OA secret key.

A plain hash of the concatenation (not an HMAC), as Zalo documents it. The timestamp is the body's
own `timestamp` field, so it is read from the raw JSON first (nothing else is trusted or parsed
before the signature matches); the comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac

import orjson

from connectors.errors import SignatureError

SIGNATURE_HEADER = "X-ZEvent-Signature"
_PREFIX = "mac="


def sign(app_id: str, body: bytes, timestamp: str, secret: str) -> str:
    """The header value Zalo sends with `body` (used by the simulator and tests)."""
    digest = hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret.encode())
    return _PREFIX + digest.hexdigest()


def body_timestamp(body: bytes) -> str:
    try:
        value = orjson.loads(body).get("timestamp")
    except (orjson.JSONDecodeError, AttributeError):
        raise SignatureError("the body is not a JSON object: nothing to verify") from None
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise SignatureError("the body has no timestamp to verify the signature with")
    return str(value)


def verify(body: bytes, header: str | None, app_id: str, secret: str) -> None:
    """Raise SignatureError unless `header` is the signature of the raw `body`."""
    if not header:
        raise SignatureError(f"missing {SIGNATURE_HEADER} header", missing=True)
    expected = sign(app_id, body, body_timestamp(body), secret)
    if not hmac.compare_digest(expected.encode(), header.strip().encode()):
        raise SignatureError(f"{SIGNATURE_HEADER} does not match the body")
