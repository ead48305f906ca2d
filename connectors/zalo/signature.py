"""X-ZEvent-Signature: `mac=` + hex SHA-256 of app_id + raw body + timestamp + OA secret key.

A plain hash of the concatenation (not an HMAC), as Zalo documents it: `mac = sha256(appId + data +
timeStamp + OAsecretKey)`, where data is the raw body and timeStamp the body's own `timestamp`
field. That field is read from the raw JSON first (nothing else is trusted or parsed before the
signature matches); it may be a string (as documented) or a number. The header is read as
`mac=<hex>`, with or without spaces around `=`, or as the bare hex; the comparison is
constant-time.
"""

from __future__ import annotations

import hashlib
import hmac

import orjson

from connectors.errors import SignatureError

SIGNATURE_HEADER = "X-ZEvent-Signature"
_PREFIX = "mac="


def digest(app_id: str, body: bytes, timestamp: str, secret: str) -> str:
    raw = app_id.encode() + body + timestamp.encode() + secret.encode()
    return hashlib.sha256(raw).hexdigest()


def sign(app_id: str, body: bytes, timestamp: str, secret: str) -> str:
    """The header value Zalo sends with `body` (used by the simulator and tests)."""
    return _PREFIX + digest(app_id, body, timestamp, secret)


def body_timestamp(body: bytes) -> str:
    try:
        value = orjson.loads(body).get("timestamp")
    except (orjson.JSONDecodeError, AttributeError):
        raise SignatureError("the body is not a JSON object: nothing to verify") from None
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise SignatureError("the body has no timestamp to verify the signature with")
    return str(value)


def _presented(header: str) -> str:
    """The hex digest in the header: `mac=<hex>`, `mac = <hex>` or `<hex>`."""
    name, sep, rest = header.partition("=")
    value = rest if sep and name.strip().lower() == "mac" else header
    return value.strip().lower()


def verify(body: bytes, header: str | None, app_id: str, secret: str) -> None:
    """Raise SignatureError unless `header` is the signature of the raw `body`."""
    if not header:
        raise SignatureError(f"missing {SIGNATURE_HEADER} header", missing=True)
    expected = digest(app_id, body, body_timestamp(body), secret)
    if not hmac.compare_digest(expected.encode(), _presented(header).encode()):
        raise SignatureError(f"{SIGNATURE_HEADER} does not match the body")
