"""The month partitions, kept: made ahead and dropped past their keep setting (daily cron job).

Migration 0034 partitions comments, webhook_deliveries, order_events and outbound_messages by
month. This job makes the months ahead (a row with no month yet lands in the DEFAULT partition,
never lost, and is moved into its month when it is made) and, for a table whose
`partition_keep_months_*` setting is not 0, drops whole older months instead of deleting rows, then
forgets the idempotency keys of the rows that went (in batches: the key tables are not
partitioned, see the migration). Personal data that must go earlier is emptied by the retention
schedule (retention.py) on its own days, as before.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import asyncpg
import structlog

from aggregator.core.partitions import (
    PARTITIONED,
    PartitionRun,
    months_to_make,
    oldest_month_kept,
)
from aggregator.settings import Settings
from schema.queries import query

log = structlog.get_logger()
KEY_BATCH = 10_000
# The idempotency keys of each table (none for order_events, which has no key of its own).
KEY_QUERIES = {
    "comments": "forget_comment_keys",
    "webhook_deliveries": "forget_webhook_delivery_keys",
    "outbound_messages": "forget_outbound_message_keys",
}


def keep_months(settings: Settings) -> dict[str, int]:
    return {
        "comments": settings.partition_keep_months_comments,
        "webhook_deliveries": settings.partition_keep_months_webhook_deliveries,
        "order_events": settings.partition_keep_months_order_events,
        "outbound_messages": settings.partition_keep_months_outbound_messages,
    }


def _start(month: date) -> datetime:
    return datetime.combine(month, time(), tzinfo=UTC)


async def make_ahead(pool: asyncpg.Pool, now: datetime, ahead: int) -> dict[str, list[str]]:
    """This month's partition and `ahead` more of every partitioned table; names of those made."""
    made: dict[str, list[str]] = {}
    for table in PARTITIONED:
        for month in months_to_make(now, ahead):
            try:
                if await _make(pool, table, month):
                    made.setdefault(table, []).append(f"{table}_y{month:%Y}m{month:%m}")
            except asyncpg.LockNotAvailableError:  # months ahead leave time: tomorrow, again
                log.warning("partitions.make_postponed", table=table, month=month.isoformat())
    return made


async def _make(pool: asyncpg.Pool, table: str, month: date) -> bool:
    # Making a partition locks its table for a moment; never wait long behind a long reader
    # while a live's writers queue behind us.
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL lock_timeout = '5s'")
        return bool(await conn.fetchval(query("make_month_partition"), table, month))


async def _forget_keys(pool: asyncpg.Pool, table: str, before: datetime) -> int:
    name = KEY_QUERIES.get(table)
    forgotten = 0
    while name is not None:
        status = await pool.execute(query(name), before, KEY_BATCH)
        done = int(status.rsplit(" ", 1)[-1])
        forgotten += done
        if done < KEY_BATCH:
            break
    return forgotten


async def drop_old(
    pool: asyncpg.Pool, now: datetime, keep: dict[str, int]
) -> tuple[dict[str, list[str]], dict[str, int]]:
    """Each table's months older than its keep setting, dropped; then their keys forgotten."""
    dropped: dict[str, list[str]] = {}
    forgotten: dict[str, int] = {}
    for table in PARTITIONED:
        oldest = oldest_month_kept(now, keep.get(table, 0))
        if oldest is None:
            continue
        # A DROP waits for the parent's readers; give up quickly rather than queue the writers
        # of a live behind it (the job runs again tomorrow).
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("SET LOCAL lock_timeout = '5s'")
            rows = await conn.fetch(query("drop_month_partitions"), table, oldest)
        dropped[table] = [str(r["dropped"]) for r in rows]
        forgotten[table] = await _forget_keys(pool, table, _start(oldest))
    return dropped, forgotten


async def maintain(pool: asyncpg.Pool, settings: Settings, now: datetime) -> PartitionRun:
    """The daily job: months made ahead, old months dropped where a keep setting asks, then the
    parents' planner statistics renewed (autovacuum never analyzes a partitioned parent)."""
    made = await make_ahead(pool, now, settings.partition_months_ahead)
    dropped, forgotten = await drop_old(pool, now, keep_months(settings))
    await pool.execute(query("analyze_partitioned_parents"))
    if made or any(dropped.values()):
        log.info("partitions.maintained", made=made, dropped=dropped, keys_forgotten=forgotten)
    return PartitionRun(made, dropped, forgotten)


async def dangling_references(
    pool: asyncpg.Pool, settings: Settings, now: datetime
) -> dict[str, int]:
    """References to a comment, delivery or message gone although its month is kept.

    The foreign keys 0034 dropped checked this; the partition test and operators run it. A row
    may name one stored up to a day before it, so the check starts a day after the oldest month.
    """
    keep = keep_months(settings)

    def since(table: str) -> datetime | None:
        oldest = oldest_month_kept(now, keep[table])
        return None if oldest is None else _start(oldest) + timedelta(days=1)

    rows = await pool.fetch(
        query("dangling_partition_references"),
        since("comments"), since("webhook_deliveries"), since("outbound_messages"),
    )  # fmt: skip
    return {str(r["reference"]): int(r["dangling"]) for r in rows}
