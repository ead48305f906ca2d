"""The production commands behind the CLI: serve and its preflight check."""

from __future__ import annotations

import asyncio

import structlog
from aiohttp import web

from aggregator.runtime.db import create_pool
from aggregator.runtime.queue import create_arq_pool
from aggregator.settings import Settings
from aggregator.web.app import create_app

log = structlog.get_logger()


def serve(settings: Settings) -> None:
    """Run the web app until SIGINT/SIGTERM; aiohttp drains requests and closes the pools."""
    log.info("web.starting", url=settings.base_url)
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        print=None,
        access_log=None,
        shutdown_timeout=10,
    )


async def check_services(settings: Settings) -> None:
    """Fail early, with one line, when Postgres or Redis is not reachable."""
    pool = await create_pool(settings, min_size=1, max_size=1)
    await pool.close()
    redis = await create_arq_pool(settings)
    await redis.aclose()


def preflight(settings: Settings) -> None:
    asyncio.run(check_services(settings))
