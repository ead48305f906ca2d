"""Recompute orders' totals after their lines changed: subtotal, the live's promotion, total.

The arithmetic is aggregator.core.promotion.order_totals (pure, unit-tested); this module only
reads its inputs and writes its answer, one statement each for the whole batch.
"""

from __future__ import annotations

from collections.abc import Iterable

from aggregator.core.promotion import order_totals, promotion_of
from aggregator.runtime.db import Connection
from schema.queries import query


async def recompute_totals(conn: Connection, order_ids: Iterable[int]) -> None:
    ids = sorted(set(order_ids))
    if not ids:
        return
    rows = await conn.fetch(query("order_totals_inputs"), ids)
    totals = [
        order_totals(
            int(r["subtotal"]), int(r["items"]), r["shipping_vnd"], promotion_of(r["promotion"])
        )
        for r in rows
    ]
    await conn.execute(
        query("store_order_totals"),
        [r["id"] for r in rows],
        [t.subtotal_vnd for t in totals],
        [t.discount_vnd for t in totals],
        [t.free_shipping for t in totals],
        [t.total_vnd for t in totals],
    )
