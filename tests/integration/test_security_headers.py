"""Every response of the web process carries the security headers: pages, JSON, static files,
404s of unknown paths, refused webhooks, redirects to the login page."""

from __future__ import annotations

import re
from typing import Any

from aiohttp.test_utils import TestClient

from aggregator.settings import Settings
from tests.support.facebook import app_client

Client = TestClient[Any, Any]


def _assert_headers(response: Any, what: str) -> None:
    headers = response.headers
    policy = headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in policy, what
    script = re.search(r"script-src ([^;]*)", policy) or re.search(r"default-src ([^;]*)", policy)
    assert script is not None and "'unsafe-inline'" not in script.group(1), what
    assert "unsafe-eval" not in policy, what
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("Referrer-Policy") in {"same-origin", "no-referrer"}, what
    assert headers.get("X-Frame-Options") == "DENY", what


def _sample_path(canonical: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", canonical)


async def test_every_route_answers_with_security_headers(settings: Settings) -> None:
    async with app_client(settings) as client:
        seen = 0
        for route in client.server.app.router.routes():
            info = route.get_info()
            path = info.get("path") or info.get("formatter")
            if route.method not in {"GET", "POST"} or path is None:
                continue
            call = client.get if route.method == "GET" else client.post
            async with call(_sample_path(path), allow_redirects=False) as response:
                _assert_headers(response, f"{route.method} {path} -> {response.status}")
                seen += 1
        for path in ("/static/buyer.js", "/no-such-page", "/static/../settings.py"):
            async with client.get(path, allow_redirects=False) as response:
                _assert_headers(response, f"GET {path} -> {response.status}")
        assert seen >= 20  # the walk found the app's routes, not an empty router


async def test_https_deployments_get_strict_transport_security(settings: Settings) -> None:
    async with app_client(settings) as client:
        plain = await client.get("/healthz")
        behind_tls = await client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
        assert "Strict-Transport-Security" not in plain.headers
        assert behind_tls.headers["Strict-Transport-Security"].startswith("max-age=")
