"""The counters (migration 0033) checked against the recount queries they replaced: what the
bench reports and the tests assert. Comments within the rate window are left out (per-minute
counts approximate its oldest minute)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg

from aggregator.core.dashboard import CHART_MINUTES, RATE_WINDOW
from aggregator.dashboard.snapshot import MAX_LIVES, fold_counters, snapshot_rows, start_of_day
from schema.queries import query

LIVE_FIGURES = ("id", "live_id", "comments", "orders", "confirmed", "paid", "shipped",
                "revenue_vnd", "unpaid_vnd", "last_comment_at")  # fmt: skip


def _table(rows: Any, keys: tuple[str, ...] | None = None) -> list[tuple[Any, ...]]:
    return sorted(tuple(r[k] for k in (keys or tuple(r.keys()))) for r in rows)


async def recount_differences(
    conn: asyncpg.Connection | Any, tenant_id: int, *, fold: bool = True
) -> dict[str, tuple[Any, Any]]:
    """{part: (from the counters, recounted)} for every part that differs; empty when all agree.
    Lives on air run into now: both sides are read at the same `now`."""
    if fold:
        await fold_counters(conn, tenant_id)
    now = datetime.now(UTC)
    snap = await snapshot_rows(conn, tenant_id, now)
    old = await conn.fetch(
        query("dashboard_lives_recount"), tenant_id, start_of_day(now), MAX_LIVES, RATE_WINDOW
    )
    ids = sorted({r["live_id"] for r in old})
    ends: dict[int, datetime] = {}  # per live: now while any of its channels is on air
    for r in old:
        end = now if r["status"] == "live" or r["ended_at"] is None else r["ended_at"]
        ends[r["live_id"]] = max(end, ends.get(r["live_id"], end))
    products = await conn.fetch(query("dashboard_products_recount"), tenant_id, ids)
    per_minute = await conn.fetch(
        query("dashboard_orders_per_minute_recount"), tenant_id, ids, [ends[i] for i in ids],
        CHART_MINUTES,
    )  # fmt: skip
    pairs = {
        "lives": (_table(snap.lives, LIVE_FIGURES), _table(old, LIVE_FIGURES)),
        "products": (_table(snap.products), _table(products)),
        "per_minute": (_table(snap.per_minute), _table(per_minute)),
    }
    return {name: pair for name, pair in pairs.items() if pair[0] != pair[1]}
