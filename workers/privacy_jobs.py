"""Daily: the retention schedule of every cooperative (aggregator/orders/retention.py), and a
warning per cooperative with requests past their deadline or breaches past the 72 hours."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import structlog

from aggregator.orders.retention import apply_all
from schema.queries import query
from workers.context import PG_POOL

log = structlog.get_logger()


async def apply_retention_job(ctx: dict[str, Any]) -> int:
    """Rows emptied in all, across cooperatives and kinds (the details are in retention_runs)."""
    now = datetime.now(UTC)
    done = await apply_all(ctx[PG_POOL], now)
    for row in await ctx[PG_POOL].fetch(query("privacy_overdue"), now):
        if row["requests"] or row["breaches"]:
            log.warning("privacy.overdue", tenant_id=row["tenant_id"],
                        requests=row["requests"], breaches=row["breaches"])  # fmt: skip
    return sum(sum(kinds.values()) for kinds in done.values())
