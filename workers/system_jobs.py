"""Jobs that prove the worker path end to end."""

from __future__ import annotations

from typing import Any

import structlog

from schema.queries import query
from workers.context import PG_POOL, WORKER_NAME

log = structlog.get_logger()


async def record_heartbeat(ctx: dict[str, Any], requested_by: str) -> str:
    """Write one heartbeat row keyed by the job id: running the job twice writes it once."""
    await ctx[PG_POOL].execute(query("record_heartbeat"), ctx[WORKER_NAME], ctx["job_id"])
    log.info("worker.heartbeat", requested_by=requested_by)
    return str(ctx["job_id"])
