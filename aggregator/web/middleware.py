"""Request-wide concerns: logging context, metrics, and mapping our errors to HTTP statuses."""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from functools import lru_cache

import asyncpg
import structlog
from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from prometheus_client import Counter, Histogram

from aggregator.errors import ChotdonError
from aggregator.inbox.journal import DeliveryJournal
from aggregator.inbox.records import Inbound
from aggregator.inbox.refusals import (
    RefusalLimit,
    RefusalScope,
    admit_refusal,
    enter_scope,
    leave_scope,
    record_refusal,
)
from aggregator.shipping.webhooks import source as courier_source
from aggregator.web.client import client_address
from aggregator.web.keys import INGESTOR, PG_POOL, REFUSAL_WRITER
from aggregator.web.metrics import HTTP_LATENCY, HTTP_REQUESTS, REFUSALS_UNRECORDED
from schema.enums import Courier

log = structlog.get_logger()


def _route_name(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


# Every request asks for its metrics' children; prometheus-client builds and looks up the label
# tuple under a lock each time. The routes, methods and statuses seen are few.
@lru_cache(maxsize=1024)
def _latency(route: str) -> Histogram:
    return HTTP_LATENCY.labels(route)


@lru_cache(maxsize=1024)
def _requests(route: str, method: str, status: int) -> Counter:
    return HTTP_REQUESTS.labels(route, method, str(status))


@web.middleware
async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Bind a request id for every log line, count and time the request."""
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(  # an id to find a request's lines by, not a secret
        request_id=f"{random.getrandbits(48):012x}", client=client_address(request)
    )
    route = _route_name(request)
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        _latency(route).observe(time.perf_counter() - started)
        _requests(route, request.method, status).inc()


def refusal_scope(limit: RefusalLimit) -> Middleware:
    """Each delivery request carries its client address and the process's RefusalLimit, so a
    refusal recorded anywhere below counts against them; what went unrecorded is counted here."""

    @web.middleware
    async def scope(request: web.Request, handler: Handler) -> web.StreamResponse:
        source = delivery_source(request.path)
        if source is None:
            return await handler(request)
        writer = request.app.get(REFUSAL_WRITER)
        current = RefusalScope(limit, client_address(request), writer=writer)
        token = enter_scope(current)
        try:
            return await handler(request)
        finally:
            leave_scope(token)
            if current.unrecorded:
                REFUSALS_UNRECORDED.labels(source).inc(current.unrecorded)

    return scope


# Input that reached a decoder or Postgres unchecked: text that is not the charset it claims,
# or a NUL Postgres text and jsonb cannot hold. Handlers check their input at the boundary; this
# is the last wall, so a gap is a logged 400, not a 500.
UNDECODABLE = (
    UnicodeError,
    asyncpg.CharacterNotInRepertoireError,
    asyncpg.UntranslatableCharacterError,
)


@web.middleware
async def map_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Our exception tree becomes a JSON error with the status its class names."""
    try:
        return await handler(request)
    except ChotdonError as exc:
        log.warning("http.error", path=request.path, error=str(exc), status=exc.http_status)
        return web.json_response({"error": str(exc)}, status=exc.http_status)
    except UNDECODABLE as exc:
        log.error("http.undecodable_input", path=request.path, error=type(exc).__name__)
        return web.json_response({"error": "input is not valid text"}, status=400)


def body_limit(max_bytes: int, larger: Mapping[str, int] | None = None) -> Middleware:
    """Refuse a declared body over the limit before any handler runs (reads enforce the rest).
    `larger`: route names allowed a bigger body (a product photo from a phone); their handlers
    get a request that reads up to that size."""
    overrides = dict(larger or {})

    @web.middleware
    async def limit(request: web.Request, handler: Handler) -> web.StreamResponse:
        allowed = overrides.get(request.match_info.route.name or "", max_bytes)
        if request.content_length is not None and request.content_length > allowed:
            log.warning("http.body_too_large", path=request.path, size=request.content_length)
            await _record_oversized(request, allowed)
            text = None if delivery_source(request.path) else _too_large_text(allowed)
            raise web.HTTPRequestEntityTooLarge(
                max_size=allowed, actual_size=request.content_length, text=text
            )
        if allowed != max_bytes:
            request = request.clone(client_max_size=allowed)
        return await handler(request)

    return limit


def _too_large_text(allowed: int) -> str:
    """For a person at a form (a photo, a CSV): what happened, in their language."""
    mb = 1024 * 1024
    size = f"{allowed // mb} MB" if allowed >= mb else f"{allowed // 1024} KB"
    return f"Tệp gửi lên lớn quá (tối đa {size}). Hãy quay lại và chọn tệp nhỏ hơn."


NOT_CHECKED = "not checked: body over the size limit"
COURIER_NAMES = frozenset(c.value for c in Courier)


def delivery_source(path: str) -> str | None:
    """webhook_deliveries.source of a path, as its own service records it: 'facebook' for
    /webhooks/facebook, 'courier:ghn' for /webhooks/ghn, 'relay' for /relay/...; else None."""
    if path.startswith("/relay/"):
        return "relay"
    if not path.startswith("/webhooks/"):
        return None
    name = path.removeprefix("/webhooks/").split("/", 1)[0]
    if name in COURIER_NAMES:
        return courier_source(Courier(name))
    return name or None


async def _record_oversized(request: web.Request, max_bytes: int) -> None:
    """Deliveries from platforms, couriers and banks are recorded even when refused for their
    size: unread, so unverified, with an empty body and the inbox's harmless headers."""
    source = delivery_source(request.path)
    if source is None or not admit_refusal():
        return
    error = f"body of {request.content_length} bytes is over the {max_bytes}-byte limit"
    inbound = Inbound.of(b"", request.headers)
    record = inbound.rejected(NOT_CHECKED, error=error, size=request.content_length)
    try:
        await record_refusal(DeliveryJournal(request.app[PG_POOL], source), record)
    except Exception:  # the 413 goes out whatever happens to the record
        log.exception("http.body_too_large_not_recorded", path=request.path)


RETRY_AFTER_S = "5"


def back_pressure(max_inflight: int) -> Middleware:
    """Refuse a delivery with 503 Retry-After, before reading its body, when too many are in
    flight or the ingest queue is near full: platforms retry, memory stays bounded."""
    inflight = 0

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        nonlocal inflight
        if request.method != "POST" or delivery_source(request.path) is None:
            return await handler(request)
        ingestor = request.app.get(INGESTOR)
        if inflight >= max_inflight or (ingestor is not None and ingestor.saturated):
            log.warning("http.busy", path=request.path, inflight=inflight)
            return web.json_response(
                {"error": "busy, retry later"}, status=503, headers={"Retry-After": RETRY_AFTER_S}
            )
        inflight += 1
        try:
            return await handler(request)
        finally:
            inflight -= 1

    return guard
