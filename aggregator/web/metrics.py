"""Prometheus metrics of the web process, exposed on GET /metrics."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

from aggregator.runtime.metrics import REGISTRY
from aggregator.web.keys import PG_POOL
from aggregator.web.operations import require_ops
from schema.queries import query

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

REFUSALS_UNRECORDED = Counter(
    "chotdon_refused_deliveries_unrecorded_total",
    "Unverified webhook deliveries refused and not recorded, past the per-address limit "
    "(CHOTDON_REFUSALS_RECORDED_PER_MINUTE), by source.",
    ["source"],
    registry=REGISTRY,
)


UNREADABLE = Gauge(
    "chotdon_unreadable_deliveries",
    "Verified webhook deliveries kept as unreadable (dead letters), by source; read from Postgres "
    "at each scrape, so every web process reports the same figure.",
    ["source"],
    registry=REGISTRY,
)


async def metrics_view(request: web.Request) -> web.Response:
    require_ops(request)
    rows = await request.app[PG_POOL].fetch(query("unreadable_counts"))
    UNREADABLE.clear()
    for row in rows:
        UNREADABLE.labels(source=row["source"]).set(row["unreadable"])
    body = generate_latest(REGISTRY)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
