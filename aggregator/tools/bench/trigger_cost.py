"""What the dashboard's counter triggers (migration 0033) cost the writers, measured in the same
run as the dashboard: the same writes timed with the triggers and with them disabled, each inside
a transaction rolled back afterwards (so the throw-away database keeps none of it)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from aggregator.runtime.db import Connection

# (table, trigger): constants of this module, never input.
COMMENT_TRIGGERS = (("comments", "comments_dashboard_insert"),
                    ("comments", "comments_dashboard_update"))  # fmt: skip
ORDER_TRIGGERS = (("orders", "orders_dashboard_insert"), ("orders", "orders_dashboard_update"),
                  ("order_items", "order_items_dashboard_insert"),
                  ("order_items", "order_items_dashboard_update"))  # fmt: skip


async def _timed_and_rolled_back(
    conn: Connection, work: Callable[[], Awaitable[object]], disabled: tuple[tuple[str, str], ...]
) -> float:
    """Seconds `work` takes in a transaction that is rolled back afterwards, whatever happens."""
    transaction = conn.transaction()
    await transaction.start()
    try:
        for table, trigger in disabled:
            await conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        started = time.perf_counter()
        await work()
        return time.perf_counter() - started
    finally:
        await transaction.rollback()


async def trigger_cost(conn: Connection, tenant_id: int, rows: int) -> dict[str, float]:
    """Seconds for `rows` comments stored then marked processed (as ingest and merge do), and
    for rows // 10 orders with two lines each created then confirmed, with and without the
    counter triggers; and their ratios."""
    session = await conn.fetchrow(
        "SELECT s.id, s.channel_id, c.external_id FROM live_sessions s "
        "JOIN channels c ON c.id = s.channel_id WHERE s.tenant_id = $1 ORDER BY s.id LIMIT 1",
        tenant_id,
    )
    assert session is not None
    now = datetime.now(UTC)
    records = [
        (tenant_id, "facebook", session["external_id"], f"cost-{n}", session["channel_id"],
         session["id"], f"cost-buyer-{n % 500}", "chốt A01", now, "order")
        for n in range(rows)
    ]  # fmt: skip
    columns = ["tenant_id", "platform", "channel_external_id", "external_id", "channel_id",
               "session_id", "author_external_id", "body", "commented_at", "intent"]  # fmt: skip

    async def comments() -> None:
        await conn.copy_records_to_table("comments", records=records, columns=columns)
        await conn.execute(
            "UPDATE comments SET status = 'processed', processed_at = now() "
            "WHERE external_id LIKE 'cost-%'"
        )

    async def orders() -> None:
        await conn.execute(
            "WITH b AS (INSERT INTO buyers (tenant_id) SELECT $1 FROM generate_series(1, $3) "
            "RETURNING id), o AS (INSERT INTO orders (tenant_id, session_id, buyer_id, source, "
            "total_vnd) SELECT $1, $2, id, 'comment', 240000 FROM b RETURNING id) "
            "INSERT INTO order_items (tenant_id, order_id, product_id, code, qty, "
            "unit_price_vnd, status) SELECT $1, o.id, p.id, p.code, 1, 120000, 'requested' "
            "FROM o JOIN products p ON p.tenant_id = $1 AND p.code IN ('A01', 'N01')",
            tenant_id, session["id"], max(1, rows // 10),
        )  # fmt: skip
        await conn.execute(
            "UPDATE orders SET status = 'confirmed' WHERE tenant_id = $1 AND status = 'draft'",
            tenant_id,
        )

    figures: dict[str, float] = {}
    for name, work, triggers in (("comments", comments, COMMENT_TRIGGERS),
                                 ("orders", orders, ORDER_TRIGGERS)):  # fmt: skip
        without = await _timed_and_rolled_back(conn, work, triggers)
        with_ = await _timed_and_rolled_back(conn, work, ())
        figures[f"write_{name}_s_without_counters"] = round(without, 3)
        figures[f"write_{name}_s_with_counters"] = round(with_, 3)
        figures[f"write_{name}_with_vs_without"] = round(with_ / without, 2)
    return figures
