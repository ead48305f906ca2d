"""A rehearsal during the chaos run, and the check that it leaked into no real work.

Once the lives have sent everything, the shortest live that ended is replayed (`chotdon replay`'s
own code) into a sandbox copy while the faults' aftermath settles. From Postgres: the rehearsal
made orders, and none of them reached what real work sees (rehearsal_leaks, must be 0).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import structlog
from arq.connections import ArqRedis

from aggregator.rehearsal.replay import ReplaySource, replay
from aggregator.runtime.db import CONNECTION_LOST, Connection
from schema.queries import query

log = structlog.get_logger()
REPLAY_SPEED = 1_000.0
REPLAY_ATTEMPTS = 10
SINCE, UNTIL = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
# Each part counts rows of a sandbox live found where real work looks (the queries of the screens,
# exports and workers say `NOT chotdon_sandbox(…)`); every part must be 0.
LEAKS = """
WITH sandbox_orders AS (
    SELECT o.id, o.order_no, o.tenant_id FROM orders o WHERE chotdon_sandbox(o.session_id)
)
SELECT
  (SELECT count(*) FROM sandbox_orders) AS rehearsal_orders,
  (SELECT count(*) FROM sandbox_orders so JOIN orders o ON o.id = so.id
   WHERE o.status IN ('packing', 'packed', 'shipped', 'delivered', 'returned')) AS packed,
  (SELECT count(*) FROM shipments s JOIN sandbox_orders so ON so.id = s.order_id) AS shipments,
  (SELECT count(*) FROM outbound_messages m JOIN sandbox_orders so ON so.id = m.order_id)
      AS messages,
  (SELECT count(*) FROM buyer_identities bi JOIN buyers b ON b.id = bi.buyer_id
   JOIN channels c ON c.id = bi.channel_id
   WHERE c.settings ->> 'sandbox' = 'true' AND NOT b.sandbox) AS linked_to_real_buyers,
  (SELECT count(*) FROM live_sessions WHERE sandbox AND status <> 'ended') AS still_on_air
"""
TENANTS = "SELECT DISTINCT tenant_id FROM orders WHERE chotdon_sandbox(session_id)"


async def rehearse(pool: asyncpg.Pool, arq: ArqRedis, session_id: int) -> dict[str, Any]:
    """Replay the live into a sandbox copy, as `chotdon replay SESSION` does; again from the
    start if a fault's aftermath (a restarted Postgres) cut it, as a director would."""
    for attempt in range(1, REPLAY_ATTEMPTS + 1):
        try:
            return await replay(pool, arq, ReplaySource(session_id=session_id), REPLAY_SPEED)
        except CONNECTION_LOST as exc:
            log.warning("chaos.rehearsal_retry", attempt=attempt, error=str(exc))
            await asyncio.sleep(1.0)
    raise RuntimeError("the rehearsal could not run: Postgres stayed away")


async def rehearsal_figures(pool: asyncpg.Pool) -> dict[str, Any]:
    """rehearsal_orders (> 0: the rehearsal ran) and rehearsal_leaks (must be 0), from Postgres
    and from the queries behind the queue, dashboard, reports and tax exports."""
    row = await pool.fetchrow(LEAKS)
    assert row is not None
    parts = {k: int(v) for k, v in row.items() if k != "rehearsal_orders"}
    async with pool.acquire() as conn:
        for tenant in await conn.fetch(TENANTS):
            for name, n in (await _on_screens(conn, tenant["tenant_id"])).items():
                parts[name] = parts.get(name, 0) + n
    return {
        "rehearsal_orders": int(row["rehearsal_orders"]),
        "rehearsal_leaks": sum(parts.values()),
        "rehearsal_leak_parts": {k: v for k, v in parts.items() if v},
    }


async def _on_screens(conn: Connection, tenant_id: int) -> dict[str, int]:
    """Sandbox orders in what the real screens and exports read, over all time."""
    sandbox = {r["id"]: r["order_no"] for r in await conn.fetch(
        "SELECT id, order_no FROM orders WHERE tenant_id = $1 AND chotdon_sandbox(session_id)",
        tenant_id)}  # fmt: skip
    sessions = {r["id"]: r["live_id"] for r in await conn.fetch(
        "SELECT id, live_id FROM live_sessions WHERE tenant_id = $1 AND sandbox",
        tenant_id)}  # fmt: skip
    lives = set(sessions.values())
    queue = await conn.fetch(
        query("staff_order_queue"), tenant_id, None, None, None, None, 100_000, 0, None, None, None
    )
    invoices = await conn.fetch(query("report_invoices"), tenant_id, SINCE, UNTIL)
    groups = await conn.fetch(query("report_groups"), tenant_id, SINCE, UNTIL)
    dashboard = await conn.fetch(
        query("dashboard_lives"), tenant_id, SINCE, 1000, timedelta(minutes=1)
    )
    return {
        "in_queue": sum(1 for r in queue if r["id"] in sandbox),
        "in_tax_invoices": sum(1 for r in invoices if r["order_no"] in sandbox.values()),
        "in_reports": sum(1 for r in groups if r["live_id"] in lives),
        "on_dashboard": sum(1 for r in dashboard if r["id"] in sessions or r["live_id"] in lives),
    }
