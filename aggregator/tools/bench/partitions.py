"""`chotdon bench partitions`: what month partitions cost on the write path and save at retention.

On a throw-away database, in one run, against the table shape before migration 0034 (one
unpartitioned comments table whose unique index is the idempotency key) as the baseline:

- store: comment rows inserted in batches of `batch` (one statement each, like the batch writer),
  into the partitioned comments (key table kept by the trigger) and into the baseline; and a
  third way, the keys claimed set-based in the same statement (no per-row trigger);
- redeliver: the same rows again (every one a repeat, skipped) on both;
- retire: one month of those rows removed, by dropping its partition (and forgetting their keys,
  a DELETE and VACUUM of the key table) against a DELETE and VACUUM of the same rows from the
  baseline.

Figures are printed, not asserted (machines are noisy); lost and duplicated rows are counted.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from aggregator.core.partitions import add_months, month_start
from aggregator.runtime.db import connection
from aggregator.settings import Settings
from aggregator.tools.databases import throwaway_database
from schema.queries import query

# The shape before 0034: the same columns and indexes, unpartitioned, the key a unique index.
BASELINE = """
CREATE TABLE comments_flat (LIKE comments INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE comments_flat ADD PRIMARY KEY (id);
ALTER TABLE comments_flat ADD UNIQUE (platform, channel_external_id, external_id);
CREATE INDEX ON comments_flat (session_id, id) WHERE status = 'pending';
CREATE INDEX ON comments_flat (tenant_id, session_id, commented_at);
CREATE INDEX ON comments_flat (received_at) WHERE status = 'orphaned';
CREATE INDEX ON comments_flat (channel_id, author_external_id, commented_at);
CREATE INDEX ON comments_flat (session_id, id) WHERE intent IN ('question', 'other');
"""
# Orphaned rows (no live): the bench measures storage, not the merge.
INSERT = """
INSERT INTO {table} (platform, channel_external_id, external_id, author_external_id, body,
                     commented_at, received_at, intent, status)
SELECT 'facebook', 'bench-page', e, 'u' || right(e, 3), 'chốt A01', $2, $2, 'order', 'orphaned'
FROM unnest($1::text[]) AS e
{conflict}
"""


@dataclass(frozen=True)
class PartitionBenchConfig:
    comments: int = 100_000
    batch: int = 500


async def _store_claimed(
    conn: asyncpg.Connection, batches: list[list[str]], months: tuple[datetime, ...]
) -> float:
    """Rows/s storing every batch with its keys claimed set-based (no per-row trigger)."""
    started = time.perf_counter()
    for n, batch in enumerate(batches):
        async with conn.transaction():
            await conn.execute(query("claim_comment_keys_for_transaction"))
            await conn.execute(
                query("claim_and_insert_bench_comments"), batch, months[n % len(months)]
            )
    return sum(map(len, batches)) / (time.perf_counter() - started)


def _batches(ids: list[str], size: int) -> list[list[str]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


async def _store(
    conn: asyncpg.Connection, sql: str, batches: list[list[str]], months: tuple[datetime, ...]
) -> float:
    """Rows/s inserting every batch (each its own statement and transaction), the batches
    stored in turn in each of `months`."""
    started = time.perf_counter()
    for n, batch in enumerate(batches):
        await conn.execute(sql, batch, months[n % len(months)])
    return sum(map(len, batches)) / (time.perf_counter() - started)


async def run_partition_bench(settings: Settings, config: PartitionBenchConfig) -> dict[str, float]:
    assert settings.database_url is not None
    ids = [f"b{n}_{uuid.uuid4().hex[:6]}" for n in range(config.comments)]
    batches = _batches(ids, config.batch)
    # Half the rows in an old month (made for the run: the month retention takes away), half in
    # this month: a table holds more than the month that goes.
    old = add_months(month_start(datetime.now(UTC).date()), -14)
    at = datetime(old.year, old.month, 10, tzinfo=UTC)
    months = (at, datetime.now(UTC))
    partitioned = INSERT.format(table="comments", conflict="")
    flat = INSERT.format(table="comments_flat", conflict="ON CONFLICT DO NOTHING")
    async with (
        throwaway_database(settings.database_url, "chotdon_bench") as url,
        connection(url) as conn,
    ):
        await conn.execute(BASELINE)
        await conn.fetchval(query("make_month_partition"), "comments", old)
        await _store(conn, partitioned, batches[:4], months)  # warm both, then empty them
        await _store(conn, flat, batches[:4], months)
        await _store_claimed(conn, batches[:4], months)
        await conn.execute("TRUNCATE comments, comment_keys, comments_flat")
        # The set-based claim first, on other ids, then emptied: the phases below are as before.
        claimed = await _store_claimed(conn, [[f"c{e}" for e in b] for b in batches], months)
        claimed_again = await _store_claimed(conn, [[f"c{e}" for e in b] for b in batches], months)
        claimed_rows = await conn.fetchval("SELECT count(*) FROM comments")
        await conn.execute("TRUNCATE comments, comment_keys")
        baseline_store = await _store(conn, flat, batches, months)
        store = await _store(conn, partitioned, batches, months)
        baseline_again = await _store(conn, flat, batches, months)
        again = await _store(conn, partitioned, batches, months)
        stored = await conn.fetchval("SELECT count(*) FROM comments")
        distinct = await conn.fetchval("SELECT count(DISTINCT external_id) FROM comments")
        # A DELETE gives its space back only once vacuumed: that is part of its cost. The
        # partition's keys are rows of a table too: forgetting them is a DELETE and a VACUUM.
        started = time.perf_counter()
        await conn.execute("DELETE FROM comments_flat WHERE received_at < $1", at.replace(day=28))
        await conn.execute("VACUUM comments_flat")
        delete_s = time.perf_counter() - started
        started = time.perf_counter()
        async with conn.transaction():
            await conn.fetch(query("drop_month_partitions"), "comments", add_months(old, 1))
        drop_s = time.perf_counter() - started
        started = time.perf_counter()
        kept_from = datetime.combine(add_months(old, 1), datetime.min.time(), tzinfo=UTC)
        await conn.execute(query("forget_comment_keys"), kept_from, config.comments)
        await conn.execute("VACUUM comment_keys")
        keys_s = time.perf_counter() - started
    return {
        "store_rows_per_s": round(store),
        "baseline_store_rows_per_s": round(baseline_store),
        "store_ratio_to_baseline": round(store / baseline_store, 2),
        "store_claimed_set_based_rows_per_s": round(claimed),
        "store_claimed_ratio_to_baseline": round(claimed / baseline_store, 2),
        "redeliver_claimed_set_based_rows_per_s": round(claimed_again),
        "redeliver_rows_per_s": round(again),
        "baseline_redeliver_rows_per_s": round(baseline_again),
        "redeliver_ratio_to_baseline": round(again / baseline_again, 2),
        "retire_month_drop_ms": round(drop_s * 1000, 1),
        "retire_month_keys_forgotten_ms": round(keys_s * 1000, 1),
        "baseline_retire_month_delete_vacuum_ms": round(delete_s * 1000, 1),
        "retire_speedup": round(delete_s / (drop_s + keys_s), 1),
        "comments": config.comments,
        "batch": config.batch,
        "lost": config.comments - distinct,
        "duplicates": stored - distinct,
        "claimed_lost_or_doubled": abs(claimed_rows - config.comments),
    }
