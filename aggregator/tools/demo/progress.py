"""Live figures per platform, as a terminal table while a live plays and as a JSON report."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from aggregator.rehearsal.figures import COLUMNS

HEADINGS = {
    "comments": "b.luận", "orders": "đơn", "confirmed": "x.nhận", "expired": "hết hạn",
    "cancelled": "hủy", "shipped": "đã gửi", "delivered": "đã giao", "returned": "hoàn",
    "waitlisted": "chờ hàng",
}  # fmt: skip


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
