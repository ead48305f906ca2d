"""Relay signatures: hex HMAC-SHA256(channel secret, timestamp + "." + raw body), with a window.

The timestamp (unix seconds) travels in its own header and is covered by the signature, so a
captured request cannot be replayed outside the window; inside it, the delivery key (timestamp and
body hash) and the comments' external ids make a replay change nothing.
"""

from __future__ import annotations

import hashlib
import hmac

from connectors.errors import SignatureError

SIGNATURE_HEADER = "X-Chotdon-Signature"
TIMESTAMP_HEADER = "X-Chotdon-Timestamp"
_PREFIX = "sha256="


def sign(secret: bytes, timestamp: int | str, body: bytes) -> str:
    """The X-Chotdon-Signature value for `body` sent at `timestamp` (what a bridge computes)."""
    message = str(timestamp).encode() + b"." + body
    return _PREFIX + hmac.new(secret, message, hashlib.sha256).hexdigest()


def signed_headers(secret: bytes, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        "Content-Type": "application/json",
    }


def _timestamp(value: str | None, now: float, window_s: int) -> int:
    if not value:
        raise SignatureError(f"missing {TIMESTAMP_HEADER} header", missing=True)
    if not (value.isascii() and value.isdigit()) or len(value) > 12:  # "²".isdigit() is True
        raise SignatureError(f"{TIMESTAMP_HEADER} is not unix seconds")
    stamp = int(value)
    if abs(now - stamp) > window_s:
        raise SignatureError(f"{TIMESTAMP_HEADER} is outside the {window_s} s replay window")
    return stamp


def verify(
    secret: bytes,
    body: bytes,
    *,
    timestamp: str | None,
    signature: str | None,
    now: float,
    window_s: int,
) -> int:
    """The request's timestamp, or SignatureError (missing → 401, wrong or stale → 403).

    Checked on the raw bytes before anything parses them; compared in constant time.
    """
    stamp = _timestamp(timestamp, now, window_s)
    if not signature:
        raise SignatureError(f"missing {SIGNATURE_HEADER} header", missing=True)
    expected = sign(secret, timestamp or "", body)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise SignatureError(f"{SIGNATURE_HEADER} does not match the body")
    return stamp


def delivery_key(channel: str, timestamp: int, body: bytes) -> str:
    """The same signed request twice is one delivery (a bridge retry or a replay in the window)."""
    digest = hashlib.sha256(str(timestamp).encode() + b"." + body).hexdigest()[:40]
    return f"{channel}:{digest}"
