"""The production commands behind the CLI: serve and its preflight check."""

from __future__ import annotations

import asyncio

import structlog
from aiohttp import web

from aggregator.errors import ConfigurationError
from aggregator.runtime.db import create_pool
from aggregator.runtime.queue import create_arq_pool
from aggregator.runtime.startup import freeze_startup_objects
from aggregator.settings import Settings
from aggregator.web.app import create_app

log = structlog.get_logger()


def check_shared_port(settings: Settings) -> None:
    """Several processes on one port (reuse_port) must be interchangeable: a browser's next
    request may reach any of them, so each must sign and read cookies with the same secret,
    and they must share Postgres and Redis rather than each start embedded ones."""
    if not settings.reuse_port:
        return
    if settings.app_secret is None:
        raise ConfigurationError(
            "--reuse-port needs CHOTDON_APP_SECRET, the same for every serve process: "
            "without it each process signs login cookies with a key of its own"
        )
    if settings.uses_embedded_services:
        raise ConfigurationError(
            "--reuse-port needs DATABASE_URL and REDIS_URL shared by every serve process"
        )


def serve(settings: Settings) -> None:
    """Run the web app until SIGINT/SIGTERM; aiohttp drains requests and closes the pools.

    With reuse_port the listening socket is opened with SO_REUSEPORT: every `chotdon serve` of
    one user on the same host:port gets its own accept queue and the kernel spreads new
    connections over them; a process that dies takes only its own queued connections with it
    (the platforms retry, see README "Chaos run")."""
    log.info("web.starting", url=settings.base_url, reuse_port=settings.reuse_port)
    app = create_app(settings)
    freeze_startup_objects()
    web.run_app(
        app,
        host=settings.host,
        port=settings.port,
        print=None,
        access_log=None,
        shutdown_timeout=10,
        reuse_port=settings.reuse_port or None,
    )


async def check_services(settings: Settings) -> None:
    """Fail early, with one line, when Postgres or Redis is not reachable."""
    pool = await create_pool(settings, min_size=1, max_size=1)
    await pool.close()
    redis = await create_arq_pool(settings)
    await redis.aclose()


def preflight(settings: Settings) -> None:
    asyncio.run(check_services(settings))
