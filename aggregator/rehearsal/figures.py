"""What a played live came to, per platform: the figures a replay reports and the demo shows."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

import asyncpg

from aggregator.runtime.db import Connection
from schema.queries import query

COLUMNS = ("comments", "orders", "confirmed", "expired", "cancelled", "shipped", "delivered",
           "returned", "waitlisted")  # fmt: skip


async def counts_by_platform(
    conn: Connection, session_ids: Iterable[int]
) -> dict[str, dict[str, int]]:
    rows = await conn.fetch(query("live_counts_by_platform"), sorted(session_ids))
    figures: dict[str, dict[str, int]] = {}
    for row in rows:
        into = figures.setdefault(row["platform"], dict.fromkeys(COLUMNS, 0))
        for column in COLUMNS:
            into[column] += int(row[column])
    return figures


async def wait_until_merged(pool: asyncpg.Pool, session_ids: list[int], timeout_s: float) -> bool:
    """Wait until the workers have merged every comment of these lives; False on timeout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        left = await pool.fetchval(
            "SELECT count(*) FROM comments WHERE session_id = ANY($1::bigint[]) "
            "AND status = 'pending'",
            session_ids,
        )
        if left == 0:
            return True
        await asyncio.sleep(0.2)
    return False
