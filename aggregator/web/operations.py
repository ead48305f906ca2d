"""Who may read the operations endpoints (/metrics, the heartbeat API): sales volume, failed
logins, worker names and a job that writes a row are not for the open internet.

Allowed: a request carrying `Authorization: Bearer <CHOTDON_OPS_TOKEN>`, or one that reaches the
process directly from a loopback or private address (Prometheus or a health probe inside the
network). A request that came through a reverse proxy (it carries a forwarded header) needs the
token whatever its address: behind a proxy on the same host every client would look local.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Mapping

import structlog
from aiohttp import web
from pydantic import SecretStr

from aggregator.web.client import client_address
from aggregator.web.keys import SETTINGS

log = structlog.get_logger()
FORWARDED_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")
BEARER = "Bearer "


def _private(address: str) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return parsed.is_loopback or parsed.is_private


def _token_matches(authorization: str, token: SecretStr | None) -> bool:
    if token is None or not authorization.startswith(BEARER):
        return False
    given = authorization.removeprefix(BEARER).strip().encode()
    return hmac.compare_digest(given, token.get_secret_value().encode())


def ops_allowed(address: str, headers: Mapping[str, str], token: SecretStr | None) -> bool:
    """True for the ops token, or a private address reached directly (no forwarded header)."""
    if _token_matches(headers.get("Authorization", ""), token):
        return True
    proxied = any(name in headers for name in FORWARDED_HEADERS)
    return not proxied and _private(address)


def require_ops(request: web.Request) -> None:
    """Raise 401 (JSON, with a Bearer challenge) unless the request may read ops endpoints."""
    address = client_address(request)
    if ops_allowed(address, request.headers, request.app[SETTINGS].ops_token):
        return
    log.warning("http.ops_refused", path=request.path)
    raise web.HTTPUnauthorized(
        text='{"error": "operations endpoint: CHOTDON_OPS_TOKEN required"}',
        content_type="application/json",
        headers={"WWW-Authenticate": 'Bearer realm="chotdon-ops"'},
    )
