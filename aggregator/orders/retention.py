"""The retention schedule, applied: per cooperative, per kind of data, what is past its days.

Run daily by the worker's cron (workers/privacy_jobs.py) with the current time; tests pass a
moved clock. Each kind empties what identifies a buyer in batches (no long lock) and keeps the
rows, their keys and the figures the tax books need. Each run leaves a retention_runs row per
cooperative and kind, which the register of processing prints.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg
import structlog

from aggregator.core.privacy import DEFAULT_DAYS, DataKind, cutoff
from aggregator.orders.consent import retention_days
from schema.queries import query

log = structlog.get_logger()
BATCH = 2_000
# The statements each kind runs, in order; each one takes (tenant, cutoff, batch).
STATEMENTS: dict[DataKind, tuple[str, ...]] = {
    DataKind.COMMENTS: ("retain_comments",),
    DataKind.DELIVERIES: ("retain_deliveries",),
    DataKind.ADDRESSES: (
        "retain_order_addresses",
        "retain_buyer_addresses",
        "retain_return_details",
    ),
    DataKind.MESSAGES: ("retain_messages",),
}


def _count(status: str) -> int:
    return int(status.rsplit(" ", 1)[-1])


async def _drain(pool: asyncpg.Pool, name: str, tenant_id: int, due: datetime, batch: int) -> int:
    done = 0
    while True:
        touched = _count(await pool.execute(query(name), tenant_id, due, batch))
        done += touched
        if touched < batch:
            return done


async def apply_schedule(
    pool: asyncpg.Pool, tenant_id: int, now: datetime, batch: int = BATCH
) -> dict[DataKind, int]:
    """One cooperative: every kind past its days is emptied; returns rows touched per kind."""
    days = await retention_days(pool, tenant_id)
    touched: dict[DataKind, int] = {}
    for kind, names in STATEMENTS.items():
        due = cutoff(now, days[kind])
        rows = 0
        for name in names:
            rows += await _drain(pool, name, tenant_id, due, batch)
        await pool.execute(query("record_retention_run"), tenant_id, kind.value, due, rows)
        touched[kind] = rows
    if any(touched.values()):
        log.info("privacy.retention_applied", tenant_id=tenant_id,
                 **{k.value: v for k, v in touched.items()})  # fmt: skip
    return touched


async def apply_all(pool: asyncpg.Pool, now: datetime) -> dict[int, dict[DataKind, int]]:
    """Every cooperative in turn (the cron job), then comments no cooperative claimed."""
    done = {
        row["id"]: await apply_schedule(pool, row["id"], now)
        for row in await pool.fetch(query("tenants_for_retention"))
    }
    due = cutoff(now, DEFAULT_DAYS[DataKind.COMMENTS])
    orphans = 0
    while True:
        touched = _count(await pool.execute(query("retain_orphaned_comments"), due, BATCH))
        orphans += touched
        if touched < BATCH:
            break
    if orphans:
        log.info("privacy.retention_orphans", comments=orphans)
    return done
