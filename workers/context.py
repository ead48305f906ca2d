"""What every job finds in its ctx: settings and the Postgres pool, opened once per worker."""

from __future__ import annotations

import os
import socket
from typing import Any

import structlog

from aggregator.runtime.db import create_pool
from aggregator.settings import Settings
from aggregator.shipping.couriers import Couriers

SETTINGS = "settings"
PG_POOL = "pg_pool"
WORKER_NAME = "worker_name"
COURIERS = "couriers"

log = structlog.get_logger()


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx[SETTINGS]
    ctx[PG_POOL] = await create_pool(settings)
    ctx[WORKER_NAME] = worker_name()
    ctx[COURIERS] = Couriers.open(settings)
    log.info("worker.started", worker=ctx[WORKER_NAME], queue=settings.arq_queue)


async def shutdown(ctx: dict[str, Any]) -> None:
    pool = ctx.get(PG_POOL)
    if pool is not None:
        await pool.close()
    couriers = ctx.get(COURIERS)
    if couriers is not None:
        await couriers.close()
    log.info("worker.stopped", worker=ctx.get(WORKER_NAME))


async def on_job_start(ctx: dict[str, Any]) -> None:
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(job_id=ctx.get("job_id"), job_try=ctx.get("job_try"))
