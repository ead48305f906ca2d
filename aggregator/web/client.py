"""Who is asking: the one place that says a request's client address and whether it came over TLS.

Login limits, the courier allow-list and the request logs all use `client_address`, so they agree,
and none believes a forwarded header unless the peer is a trusted proxy (CHOTDON_TRUSTED_PROXIES).
"""

from __future__ import annotations

from aiohttp import web

from aggregator.core.forwarded import client_address as resolve_client, forwarded_proto
from aggregator.web.keys import PROXIES, SETTINGS

# Resolved once per request: the request log and the refusal limit both ask for it.
_RESOLVED = web.RequestKey("chotdon_client_address", str)


def client_address(request: web.Request) -> str:
    if _RESOLVED in request:
        return request[_RESOLVED]
    headers, proxies = request.headers, request.app[PROXIES]
    address = resolve_client(
        request.remote or "", headers.getall("X-Forwarded-For", []),
        headers.getall("Forwarded", []), proxies,
    )  # fmt: skip
    request[_RESOLVED] = address
    return address


def over_tls(request: web.Request) -> bool:
    """Whether cookies must be Secure: TLS here, an https public URL, the setting, or a trusted
    proxy saying the client used https."""
    settings = request.app[SETTINGS]
    if request.secure or settings.secure_cookies or settings.base_url.startswith("https://"):
        return True
    proxies = request.app[PROXIES]
    proto = forwarded_proto(
        request.remote or "", request.headers.getall("X-Forwarded-Proto", []), proxies
    )
    return proto == "https"
