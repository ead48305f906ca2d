"""GET /healthz: 200 when Postgres and Redis both answer, 503 naming what is down."""

from __future__ import annotations

import asyncio

from aiohttp import web

from aggregator.web.keys import ARQ_POOL, PG_POOL

CHECK_TIMEOUT_S = 2.0


async def _check_postgres(app: web.Application) -> str | None:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            await app[PG_POOL].fetchval("SELECT 1")
    except Exception as exc:  # any failure means "down"; the reason goes to the caller
        return f"{type(exc).__name__}: {exc}"
    return None


async def _check_redis(app: web.Application) -> str | None:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            await app[ARQ_POOL].ping()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


async def healthz(request: web.Request) -> web.Response:
    pg_error, redis_error = await asyncio.gather(
        _check_postgres(request.app), _check_redis(request.app)
    )
    checks = {"postgres": pg_error or "ok", "redis": redis_error or "ok"}
    healthy = pg_error is None and redis_error is None
    return web.json_response(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )
