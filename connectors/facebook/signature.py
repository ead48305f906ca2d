"""X-Hub-Signature-256: HMAC-SHA256 of the raw request body keyed with the Meta app secret."""

from __future__ import annotations

import hashlib
import hmac

from connectors.errors import SignatureError

SIGNATURE_HEADER = "X-Hub-Signature-256"
_PREFIX = "sha256="


def sign(body: bytes, app_secret: bytes) -> str:
    """The header value Facebook sends for `body` (used by the simulator and tests)."""
    return _PREFIX + hmac.new(app_secret, body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, header: str | None, app_secret: bytes) -> None:
    """Raise SignatureError unless `header` is the signature of the raw `body`.

    Checked on the bytes as received, before any parsing, and compared in constant time.
    """
    if not header:
        raise SignatureError(f"missing {SIGNATURE_HEADER} header", missing=True)
    if not header.startswith(_PREFIX):
        raise SignatureError(f"{SIGNATURE_HEADER} is not of the form sha256=<hex>")
    expected = sign(body, app_secret)
    if not hmac.compare_digest(expected.encode(), header.strip().encode()):
        raise SignatureError(f"{SIGNATURE_HEADER} does not match the body")


def verify_challenge(
    mode: str | None, token: str | None, challenge: str | None, expected_token: str
) -> str:
    """The subscription handshake: the challenge to echo, or SignatureError (answer 403)."""
    if mode != "subscribe" or not token or challenge is None or not expected_token:
        raise SignatureError("not a subscription handshake")
    if not hmac.compare_digest(token.encode(), expected_token.encode()):
        raise SignatureError("verify token does not match")
    return challenge
