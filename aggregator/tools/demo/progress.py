"""Live figures per platform, as a terminal table while a live plays and as a JSON report."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from typing import Any

import asyncpg
from rich.table import Table

from aggregator.runtime.db import Connection
from schema.queries import query

COLUMNS = ("comments", "orders", "confirmed", "expired", "cancelled", "shipped", "delivered",
           "returned", "waitlisted")  # fmt: skip
HEADINGS = {
    "comments": "b.luận", "orders": "đơn", "confirmed": "x.nhận", "expired": "hết hạn",
    "cancelled": "hủy", "shipped": "đã gửi", "delivered": "đã giao", "returned": "hoàn",
    "waitlisted": "chờ hàng",
}  # fmt: skip


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


def totals(figures: dict[str, dict[str, int]]) -> dict[str, int]:
    return {c: sum(p[c] for p in figures.values()) for c in COLUMNS}


def progress_table(figures: dict[str, dict[str, int]], title: str) -> Table:
    table = Table(title=title)
    table.add_column("nền tảng", no_wrap=True)
    for column in COLUMNS:
        table.add_column(HEADINGS[column], justify="right")
    for platform, row in sorted(figures.items()):
        table.add_row(platform, *(str(row[c]) for c in COLUMNS))
    table.add_row("tổng", *(str(v) for v in totals(figures).values()), style="bold")
    return table


def report(
    figures: dict[str, dict[str, int]],
    *,
    sent: int,
    duplicates: int,
    timings: dict[str, Any],
    buyers_confirmed_on_page: int = 0,
) -> dict[str, Any]:
    """The unattended run's report: what happened per platform, and whether anything was lost."""
    stored = totals(figures)["comments"]
    return {
        "platforms": figures,
        "totals": totals(figures),
        "comments_sent": sent,
        "duplicates_prevented": duplicates,
        "lost": max(0, sent - stored),
        "buyers_confirmed_on_page": buyers_confirmed_on_page,
        "timings": timings,
    }
