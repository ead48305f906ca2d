"""Small signed values for cookies, pure: a payload, an expiry and an HMAC-SHA256 over both.

Used for the login form's CSRF cookie (bound to a random nonce) and the trusted-device cookie
(bound to a login and a device id). Each use has its own key derived from the app secret, so one
kind of value can never pass for another.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

SEPARATOR = "."


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode("ascii"))


def _mac(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()


def sign(key: bytes, value: str, expires_at: int) -> str:
    """`value` (any text) readable by whoever holds the cookie, but not forgeable."""
    payload = f"{expires_at}|{value}".encode()
    return _b64(payload) + SEPARATOR + _b64(_mac(key, payload))


def unsign(key: bytes, token: str, now: float) -> str | None:
    """The value of a token signed with `key` and not yet expired; None for anything else."""
    body, _, mac = token.partition(SEPARATOR)
    try:
        payload, given = _unb64(body), _unb64(mac)
    except (binascii.Error, ValueError):
        return None
    if not hmac.compare_digest(_mac(key, payload), given):
        return None
    expires, _, value = payload.decode("utf-8", "replace").partition("|")
    if not expires.isascii() or not expires.isdigit() or int(expires) < now:
        return None
    return value
