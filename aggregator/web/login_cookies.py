"""The login page's two signed cookies.

- cd_login: the form's CSRF cookie. A double submit (the form carries a random nonce, the cookie
  the same nonce) is only as strong as the cookie: anyone who can plant a cookie (a sibling
  subdomain, a man in the middle on plain http) could plant a matching pair. So the cookie is the
  nonce signed with a key of the app secret: a planted cookie without the key is refused.
- cd_device: set on a successful login, for a long time: "this browser has logged in as L". A
  try for login L from that browser reserves only its own device bucket, so floods of wrong
  passwords from elsewhere that delay L do not delay its owner (core/login_limits.py).
"""

from __future__ import annotations

import hmac
import secrets
import time

from aiohttp import web

from aggregator.core.links import derive_key
from aggregator.core.signed import sign, unsign
from aggregator.core.staff import normalized_login
from aggregator.web.client import over_tls
from aggregator.web.keys import COOKIE_SECRET, SETTINGS

LOGIN_COOKIE = "cd_login"
DEVICE_COOKIE = "cd_device"
LOGIN_PATH = "/dang-nhap"
FORM_TTL_S = 3600
FORM_PURPOSE = "chotdon.login-form.v1"
DEVICE_PURPOSE = "chotdon.trusted-device.v1"


def _key(request: web.Request, purpose: str) -> bytes:
    return derive_key(request.app[COOKIE_SECRET], purpose)


def new_form_nonce(request: web.Request) -> tuple[str, str]:
    """A nonce for the form's hidden field, and its signed copy for the cookie."""
    nonce = secrets.token_urlsafe(24)
    return nonce, sign(_key(request, FORM_PURPOSE), nonce, int(time.time()) + FORM_TTL_S)


def set_form_cookie(request: web.Request, response: web.StreamResponse, signed: str) -> None:
    response.set_cookie(
        LOGIN_COOKIE, signed, path=LOGIN_PATH, httponly=True, samesite="Strict",
        secure=over_tls(request), max_age=FORM_TTL_S,
    )  # fmt: skip


def form_nonce_ok(request: web.Request, given: str) -> bool:
    """The field matches the nonce of a cookie this app signed, not expired."""
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    nonce = unsign(_key(request, FORM_PURPOSE), cookie, time.time())
    return bool(nonce) and hmac.compare_digest((nonce or "").encode(), given.encode())


def trusted_device(request: web.Request, login: str) -> str | None:
    """The id of this browser as a trusted device of `login`, if its cookie says so."""
    value = unsign(
        _key(request, DEVICE_PURPOSE), request.cookies.get(DEVICE_COOKIE, ""), time.time()
    )
    if value is None:
        return None
    owner, _, device = value.rpartition("|")
    return device if device and owner == normalized_login(login) else None


def trust_device(request: web.Request, response: web.StreamResponse, login: str) -> None:
    """(Re)issue the device cookie for `login`, keeping the device id it had for that login."""
    device = trusted_device(request, login) or secrets.token_urlsafe(16)
    days = request.app[SETTINGS].trusted_device_days
    value = sign(
        _key(request, DEVICE_PURPOSE), f"{normalized_login(login)}|{device}",
        int(time.time()) + days * 86_400,
    )  # fmt: skip
    response.set_cookie(
        DEVICE_COOKIE, value, path=LOGIN_PATH, httponly=True, samesite="Strict",
        secure=over_tls(request), max_age=days * 86_400,
    )  # fmt: skip
