"""Month partitions, pure: which months to make ahead and which are old enough to drop.

Partitions are calendar months in UTC (migration 0034): a partition is storage, not a figure
anyone reads, so it need not follow Vietnam time; the per-cooperative retention schedule (in
days, aggregator/core/privacy.py) is what buyers and directors see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

# The tables partitioned by month, each with the keep setting's name (Settings) that drops them.
PARTITIONED = ("comments", "webhook_deliveries", "order_events", "outbound_messages")


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, months: int) -> date:
    """The first day of the month `months` after (or before, when negative) `month`'s month."""
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_to_make(now: datetime, ahead: int) -> list[date]:
    """This month and `ahead` months after it (first days, UTC)."""
    this = month_start(now.astimezone(UTC).date())
    return [add_months(this, n) for n in range(ahead + 1)]


def oldest_month_kept(now: datetime, keep: int) -> date | None:
    """First day of the oldest month a table keeps: this month and the `keep` - 1 before it.

    None when `keep` is 0 (every month is kept).
    """
    if keep <= 0:
        return None
    return add_months(month_start(now.astimezone(UTC).date()), -(keep - 1))


@dataclass(frozen=True, slots=True)
class PartitionRun:
    """What one run of the partition job did, per table."""

    made: dict[str, list[str]]
    dropped: dict[str, list[str]]
    keys_forgotten: dict[str, int]
