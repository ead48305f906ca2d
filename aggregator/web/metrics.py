"""Prometheus metrics of the web process, exposed on GET /metrics."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

REGISTRY = CollectorRegistry(auto_describe=True)

HTTP_REQUESTS = Counter(
    "chotdon_http_requests_total",
    "HTTP requests answered, by route and status.",
    ["route", "method", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "chotdon_http_request_seconds",
    "Time to answer an HTTP request, by route.",
    ["route"],
    registry=REGISTRY,
)


async def metrics_view(_request: web.Request) -> web.Response:
    body = generate_latest(REGISTRY)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
