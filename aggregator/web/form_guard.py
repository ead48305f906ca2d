"""A signed double-submit nonce for forms shown before anyone is signed in (the first-run page,
the host's login): the form carries a random nonce, a cookie on the form's own path the same
nonce signed with a key of the app secret, so a planted cookie without the key is refused
(the staff login's own pair is in login_cookies.py)."""

from __future__ import annotations

import hmac
import secrets
import time

from aiohttp import web

from aggregator.core.links import derive_key
from aggregator.core.signed import sign, unsign
from aggregator.web.client import over_tls
from aggregator.web.keys import COOKIE_SECRET

FORM_TTL_S = 3600


def _key(request: web.Request, purpose: str) -> bytes:
    return derive_key(request.app[COOKIE_SECRET], f"chotdon.form.{purpose}.v1")


def new_nonce(request: web.Request, cookie: str) -> tuple[str, str]:
    """A nonce for the form's hidden field, and its signed copy for the cookie."""
    nonce = secrets.token_urlsafe(24)
    return nonce, sign(_key(request, cookie), nonce, int(time.time()) + FORM_TTL_S)


def set_nonce_cookie(
    request: web.Request, response: web.StreamResponse, cookie: str, path: str, signed: str
) -> None:
    response.set_cookie(
        cookie, signed, path=path, httponly=True, samesite="Strict", secure=over_tls(request),
        max_age=FORM_TTL_S,
    )  # fmt: skip


def nonce_ok(request: web.Request, cookie: str, given: str) -> bool:
    nonce = unsign(_key(request, cookie), request.cookies.get(cookie, ""), time.time())
    return bool(nonce) and hmac.compare_digest((nonce or "").encode(), given.encode())
