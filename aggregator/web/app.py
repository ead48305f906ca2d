"""The aiohttp application factory: pools in cleanup_ctx, routes, middlewares, templates."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp_jinja2
import jinja2
import structlog
from aiohttp import web

from aggregator.core.forwarded import parse_networks
from aggregator.inbox.refusal_writer import RefusalWriter
from aggregator.inbox.refusals import RefusalLimit
from aggregator.ingest.pipeline import IngestConfig, Ingestor
from aggregator.runtime.db import create_pool, create_staff_pool
from aggregator.runtime.queue import create_arq_pool
from aggregator.settings import Settings
from aggregator.staff.passwords import PasswordPool
from aggregator.web import (
    app_icons,
    facebook,
    health,
    metrics,
    openapi,
    origin_page,
    relay,
    returns_pages,
    security,
    system,
    template_globals,
    tiktok,
    zalo,
)
from aggregator.web.buyer import setup as setup_buyer_pages
from aggregator.web.buyer_privacy import setup as setup_buyer_privacy
from aggregator.web.buyer_returns import RETURN_BODIES
from aggregator.web.cooperative_routes import setup as setup_cooperatives
from aggregator.web.couriers import add_courier_routes
from aggregator.web.error_pages import vietnamese_errors
from aggregator.web.keys import (
    ARQ_POOL,
    COOKIE_SECRET,
    INGESTOR,
    PASSWORDS,
    PG_POOL,
    PROXIES,
    REFUSAL_WRITER,
    SETTINGS,
    STAFF_PG_POOL,
)
from aggregator.web.middleware import (
    back_pressure,
    body_limit,
    map_errors,
    observe,
    refusal_scope,
)
from aggregator.web.payments import setup as setup_payment_webhook
from aggregator.web.staff_catalogue import LARGER_BODIES
from aggregator.web.staff_origin import LARGER_BODIES as ORIGIN_BODIES
from aggregator.web.staff_pages import setup as setup_staff_pages

WEB_DIR = Path(__file__).parent
log = structlog.get_logger()


async def _pg_pool_ctx(app: web.Application) -> AsyncIterator[None]:
    pool = await create_pool(app[SETTINGS])
    app[PG_POOL] = pool
    try:
        staff_pool = await create_staff_pool(app[SETTINGS])
    except BaseException:
        await pool.close()
        raise
    app[STAFF_PG_POOL] = staff_pool
    yield
    await staff_pool.close()
    await pool.close()


async def _arq_pool_ctx(app: web.Application) -> AsyncIterator[None]:
    pool = await create_arq_pool(app[SETTINGS])
    app[ARQ_POOL] = pool
    yield
    await pool.aclose()


async def _ingestor_ctx(app: web.Application) -> AsyncIterator[None]:
    """The ingest entry point webhooks hand events to; leaving flushes what it holds."""
    config = IngestConfig(queue_size=app[SETTINGS].ingest_queue_size)
    async with Ingestor(app[PG_POOL], app[ARQ_POOL], config) as ingestor:
        app[INGESTOR] = ingestor
        yield


async def _refusals_ctx(app: web.Application) -> AsyncIterator[None]:
    async with RefusalWriter(app[PG_POOL]) as writer:
        app[REFUSAL_WRITER] = writer
        yield


async def _passwords_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    pool = PasswordPool(settings.password_workers, settings.password_queue)
    app[PASSWORDS] = pool
    yield
    pool.close()


def _cookie_secret(settings: Settings) -> bytes:
    if settings.app_secret is not None:
        return settings.app_secret.get_secret_value().encode()
    # Without a secret (tests) login forms still work, but only with this very process.
    log.warning("web.no_app_secret", effect="login cookies signed with a per-process key")
    return secrets.token_bytes(32)


def _add_routes(app: web.Application) -> None:
    app.router.add_get("/", system.index, name="index")
    app.router.add_get("/healthz", health.healthz, name="healthz")
    app.router.add_get("/metrics", metrics.metrics_view, name="metrics")
    app.router.add_post("/api/heartbeats", system.enqueue_heartbeat, name="heartbeat_enqueue")
    app.router.add_get("/api/heartbeats/{job_id}", system.show_heartbeat, name="heartbeat_show")
    add_courier_routes(app)
    app_icons.setup(app)
    app.router.add_static("/static", WEB_DIR / "static", name="static")


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        middlewares=[
            observe,
            refusal_scope(
                RefusalLimit(
                    settings.refusals_recorded_per_minute, settings.refusals_recorded_total
                )
            ),
            body_limit(
                settings.max_body_bytes, {**LARGER_BODIES, **RETURN_BODIES, **ORIGIN_BODIES}
            ),
            back_pressure(settings.max_inflight_deliveries),
            vietnamese_errors,
            map_errors,
        ],
        client_max_size=settings.max_body_bytes,
    )
    app[SETTINGS] = settings
    app[COOKIE_SECRET] = _cookie_secret(settings)
    app[PROXIES] = parse_networks(settings.trusted_proxies)
    security.setup(app)
    app.cleanup_ctx.extend(
        [_pg_pool_ctx, _arq_pool_ctx, _ingestor_ctx, _refusals_ctx, _passwords_ctx]
    )
    facebook.setup(app)
    relay.setup(app)
    openapi.setup(app)
    tiktok.setup(app)
    zalo.setup(app)
    setup_buyer_pages(app)
    setup_buyer_privacy(app)
    setup_payment_webhook(app)
    setup_staff_pages(app)
    returns_pages.setup(app)  # returns, refunds, staff figures (issue 22)
    setup_cooperatives(app)
    origin_page.setup(app)  # public origin page of a batch (issue 23)
    template_globals.install(
        aiohttp_jinja2.setup(
            app,
            loader=jinja2.FileSystemLoader(WEB_DIR / "templates"),
            autoescape=jinja2.select_autoescape(["html"]),
        )
    )
    _add_routes(app)
    return app
