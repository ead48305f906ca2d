"""Daily: the retention schedule of every cooperative (aggregator/orders/retention.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aggregator.orders.retention import apply_all
from workers.context import PG_POOL


async def apply_retention_job(ctx: dict[str, Any]) -> int:
    """Rows emptied in all, across cooperatives and kinds (the details are in retention_runs)."""
    done = await apply_all(ctx[PG_POOL], datetime.now(UTC))
    return sum(sum(kinds.values()) for kinds in done.values())
