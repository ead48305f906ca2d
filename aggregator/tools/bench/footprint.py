"""Rows and bytes an evening leaves in Postgres, per table and per comment.

Read from the catalogue after a run (the chaos run's evening, a bench's burst): the capacity
figures of the README come from here, not from estimates. A partitioned table counts all its
partitions (pg_partition_tree returns a plain table as its own single member).
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

# The tables an evening writes to; the rest (tenants, products, staff...) do not grow with lives.
GROWING_TABLES = (
    "comments",
    "webhook_deliveries",
    "orders",
    "order_items",
    "order_events",
    "outbound_messages",
    "shipments",
    "shipment_events",
    "buyers",
    "buyer_identities",
    "inbox_items",
)

TABLE_FOOTPRINT = """
SELECT (SELECT count(*) FROM {table}) AS rows,
       (SELECT coalesce(sum(pg_total_relation_size(relid)), 0)
          FROM pg_partition_tree('{table}'::regclass)) AS bytes
"""


@dataclass(frozen=True)
class TableFootprint:
    table: str
    rows: int
    bytes: int


async def measure_footprint(pool: asyncpg.Pool) -> list[TableFootprint]:
    """Exact rows and on-disk bytes (heap, indexes, TOAST) of each growing table that exists."""
    found: list[TableFootprint] = []
    for table in GROWING_TABLES:
        if await pool.fetchval("SELECT to_regclass($1)", table) is None:
            continue
        # `table` comes from the constant tuple above, never from input.
        row = await pool.fetchrow(TABLE_FOOTPRINT.format(table=table))
        assert row is not None
        found.append(TableFootprint(table, int(row["rows"]), int(row["bytes"])))
    return found


def per_comment(tables: list[TableFootprint]) -> dict[str, float]:
    """Totals and rows/bytes per stored comment: the unit the capacity section multiplies."""
    comments = next((t.rows for t in tables if t.table == "comments"), 0)
    rows = sum(t.rows for t in tables)
    size = sum(t.bytes for t in tables)
    return {
        "footprint_comments": comments,
        "footprint_rows": rows,
        "footprint_mb": round(size / 1_048_576, 1),
        "rows_per_comment": round(rows / comments, 2) if comments else 0.0,
        "bytes_per_comment": round(size / comments) if comments else 0,
    }
