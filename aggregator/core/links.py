"""Signed, expiring links to one order, and the per-form check of the order page. Pure.

A link token is base64url(order id, expiry, HMAC-SHA256 of both): 48 bytes, 64 characters, no
login. Changing one bit of the id or the expiry breaks the MAC, and a token made for one order can
never name another. The key is derived from the app secret for this purpose only, so a leak of
another derived key (sealed Page tokens, sessions) says nothing about links.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from enum import StrEnum

from aggregator.errors import NotFoundError

_PAYLOAD = struct.Struct(">QQ")  # order id, expiry (unix seconds)
_MAC_BYTES = 32
TOKEN_BYTES = _PAYLOAD.size + _MAC_BYTES
LINK_PURPOSE = "chotdon.order-link.v1"
FORM_PURPOSE = "chotdon.order-form.v1"


class LinkProblem(StrEnum):
    MALFORMED = "malformed"
    TAMPERED = "tampered"
    EXPIRED = "expired"


class LinkError(NotFoundError, ValueError):
    """The token does not open an order; `problem` says why (for the page and the log)."""

    def __init__(self, problem: LinkProblem) -> None:
        super().__init__(f"order link is {problem.value}")
        self.problem = problem


def derive_key(secret: bytes, purpose: str) -> bytes:
    """A key for one purpose only (HMAC of the purpose under the app secret)."""
    if not secret:
        raise ValueError("an empty secret cannot sign links")
    return hmac.new(secret, purpose.encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii"))


def sign_order_token(key: bytes, order_id: int, expires_at: int) -> str:
    payload = _PAYLOAD.pack(order_id, expires_at)
    return _b64(payload + hmac.new(key, payload, hashlib.sha256).digest())


def verify_order_token(key: bytes, token: str, now: int) -> int:
    """The order id the token was signed for; LinkError if malformed, tampered or expired."""
    if len(token) != 64 or not token.isascii():
        raise LinkError(LinkProblem.MALFORMED)
    try:
        raw = _unb64(token)
    except (binascii.Error, ValueError):
        raise LinkError(LinkProblem.MALFORMED) from None
    # One spelling per token: the decoder also takes '+' and '/' and skips stray characters, so
    # a token that is not exactly what we would write for its bytes is refused before its MAC.
    if len(raw) != TOKEN_BYTES or _b64(raw) != token:
        raise LinkError(LinkProblem.MALFORMED)
    payload, mac = raw[: _PAYLOAD.size], raw[_PAYLOAD.size :]
    if not hmac.compare_digest(mac, hmac.new(key, payload, hashlib.sha256).digest()):
        raise LinkError(LinkProblem.TAMPERED)
    order_id, expires_at = _PAYLOAD.unpack(payload)
    if now >= expires_at:
        raise LinkError(LinkProblem.EXPIRED)
    return int(order_id)


def form_proof(key: bytes, token: str, nonce: str) -> str:
    """What the page's hidden field carries: binds the form to this link and the cookie's nonce."""
    message = f"{token}\n{nonce}".encode()
    return _b64(hmac.new(key, message, hashlib.sha256).digest())


def check_form_proof(key: bytes, token: str, nonce: str, proof: str) -> bool:
    """True only if the form came from our page for this link in this browser (constant time)."""
    if not nonce or not proof:
        return False
    return hmac.compare_digest(form_proof(key, token, nonce).encode(), proof.encode())
