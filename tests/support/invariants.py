"""Checks that must hold in any state the order queue can be left in."""

from __future__ import annotations

import asyncpg


async def reserved_matches_held_lines(db: asyncpg.Connection) -> list[asyncpg.Record]:
    """Stock rows whose reserved count differs from the held lines of the live (every channel)."""
    return await db.fetch(
        """
        SELECT s.live_id, s.product_id, s.variant, s.reserved, coalesce(h.held, 0) AS held
        FROM live_stock s
        LEFT JOIN (
            SELECT o.live_id, i.product_id, i.variant, sum(i.qty) AS held
            FROM order_items i JOIN orders o ON o.id = i.order_id
            WHERE i.status = 'held'
            GROUP BY 1, 2, 3
        ) h USING (live_id, product_id, variant)
        WHERE s.reserved <> coalesce(h.held, 0)
        """
    )


async def assert_consistent(db: asyncpg.Connection) -> None:
    assert await reserved_matches_held_lines(db) == []
    oversold = await db.fetchval("SELECT count(*) FROM live_stock WHERE reserved > quantity")
    assert oversold == 0
    two_open = await db.fetchval(
        "SELECT count(*) FROM (SELECT 1 FROM orders WHERE live_id IS NOT NULL "
        "AND source <> 'platform' AND status IN ('draft', 'awaiting_confirmation', 'confirmed') "
        "GROUP BY live_id, buyer_id HAVING count(*) > 1) t"
    )
    assert two_open == 0
    lines_of_closed = await db.fetchval(
        "SELECT count(*) FROM order_items i JOIN orders o ON o.id = i.order_id "
        "WHERE o.status IN ('cancelled', 'expired') AND i.status <> 'removed'"
    )
    assert lines_of_closed == 0
    events_missing = await db.fetchval(
        "SELECT count(*) FROM orders o WHERE o.status <> 'draft' AND NOT EXISTS "
        "(SELECT 1 FROM order_events e WHERE e.order_id = o.id AND e.to_status = o.status)"
    )
    assert events_missing == 0
