"""Jobs that prove the worker path end to end, and housekeeping (raw webhook body retention)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import structlog

from aggregator.core.login_limits import LoginPolicy
from aggregator.orders.partitions import maintain
from aggregator.orders.privacy import purge_webhook_bodies
from aggregator.staff.login import forget_stale_tries
from schema.queries import query
from workers.context import PG_POOL, SETTINGS, WORKER_NAME

log = structlog.get_logger()


async def record_heartbeat(ctx: dict[str, Any], requested_by: str) -> str:
    """Write one heartbeat row keyed by the job id: running the job twice writes it once."""
    await ctx[PG_POOL].execute(query("record_heartbeat"), ctx[WORKER_NAME], ctx["job_id"])
    log.info("worker.heartbeat", requested_by=requested_by)
    return str(ctx["job_id"])


async def purge_webhook_bodies_job(ctx: dict[str, Any]) -> int:
    """Daily: raw webhook bodies past CHOTDON_WEBHOOK_BODY_RETENTION_DAYS are emptied."""
    return await purge_webhook_bodies(ctx[PG_POOL], ctx[SETTINGS].webhook_body_retention_days)


async def maintain_partitions_job(ctx: dict[str, Any]) -> int:
    """Daily: month partitions made ahead, months past their keep setting dropped (whole tables,
    not rows). Returns how many partitions were made or dropped."""
    run = await maintain(ctx[PG_POOL], ctx[SETTINGS], datetime.now(UTC))
    return sum(map(len, run.made.values())) + sum(map(len, run.dropped.values()))


async def forget_login_tries_job(ctx: dict[str, Any]) -> int:
    """Every 10 minutes: login buckets quiet for an hour are deleted (a flood of new login names
    leaves a row per name; a quiet bucket starts afresh anyway)."""
    return await forget_stale_tries(ctx[PG_POOL], LoginPolicy().quiet_s)
