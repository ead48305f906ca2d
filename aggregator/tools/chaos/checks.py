"""After the run: wait until the database says nothing is unfinished, then check from it (and
from what the simulators received) that nothing was lost or doubled.

The checks read Postgres, the source of truth, not the processes' own counters: a comment counts
as stored only if its row is there; two orders of one buyer in one live are a duplicate when the
second was created while the first was still open (by the order of their audit rows, which ids
order exactly, unlike clocks read at different transactions' starts).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterable
from typing import Any

import asyncpg
from arq.connections import ArqRedis
from arq.jobs import Job

from aggregator.outbound.record import PLATFORM_SEND_JOB
from aggregator.platforms.facebook.outbound import SEND_JOB as FACEBOOK_SEND_JOB
from aggregator.runtime.db import CONNECTION_LOST
from aggregator.runtime.queue import job_queue
from aggregator.tools.chaos.world import Simulators
from schema.enums import Platform

UNFINISHED = """
SELECT (SELECT count(*) FROM comments WHERE status = 'pending') AS pending_comments,
       (SELECT count(*) FROM orders WHERE status NOT IN
            ('delivered', 'returned', 'cancelled', 'expired')) AS open_orders,
       (SELECT count(*) FROM outbound_messages WHERE status = 'pending') AS pending_messages,
       (SELECT count(*) FROM shipments WHERE status = 'creating') AS shipments_creating
"""
DUPLICATE_ORDERS = """
WITH life AS (
    SELECT o.id, o.live_id, o.buyer_id, min(e.id) AS born,
           min(e.id) FILTER (WHERE e.to_status NOT IN
               ('draft', 'awaiting_confirmation', 'confirmed')) AS closed
    FROM orders o JOIN order_events e ON e.order_id = o.id
    WHERE o.live_id IS NOT NULL AND o.source <> 'platform' GROUP BY o.id, o.tenant_id
), seq AS (
    SELECT born, lag(closed) OVER w AS previous_closed, lag(id) OVER w AS previous
    FROM life WINDOW w AS (PARTITION BY live_id, buyer_id ORDER BY born)
)
SELECT count(*) FROM seq
WHERE previous IS NOT NULL AND (previous_closed IS NULL OR born < previous_closed)
"""
CONSISTENCY = """
SELECT
  (SELECT count(*) FROM live_stock s LEFT JOIN (
      SELECT o.live_id, i.product_id, i.variant, sum(i.qty) AS held
      FROM order_items i JOIN orders o ON o.id = i.order_id WHERE i.status = 'held'
      GROUP BY 1, 2, 3) h USING (live_id, product_id, variant)
   WHERE s.reserved <> coalesce(h.held, 0)) AS reserved_not_held,
  (SELECT count(*) FROM live_stock WHERE reserved > quantity) AS oversold,
  (SELECT count(*) FROM order_items i JOIN orders o ON o.id = i.order_id
   WHERE o.status IN ('cancelled', 'expired')
     AND i.status = 'held') AS held_on_closed,
  (SELECT count(*) FROM orders o WHERE o.status IS DISTINCT FROM (
      SELECT e.to_status FROM order_events e WHERE e.order_id = o.id AND e.to_status IS NOT NULL
      ORDER BY e.id DESC LIMIT 1)) AS status_not_audited,
  (SELECT count(*) FROM (
      SELECT from_status, lag(to_status) OVER (PARTITION BY order_id ORDER BY id) AS before
      FROM order_events WHERE to_status IS NOT NULL) t
   WHERE before IS NOT NULL AND from_status IS DISTINCT FROM before) AS broken_audit_chain
"""
SHIPMENTS = """
SELECT
  (SELECT count(*) FROM shipments WHERE status <> 'cancelled') AS shipments,
  (SELECT coalesce(sum(n - 1), 0)::bigint FROM (SELECT count(*) AS n FROM shipments
       WHERE status <> 'cancelled' GROUP BY order_id) t) AS duplicate_shipments,
  (SELECT count(*) FROM orders o WHERE o.status IN ('packed', 'shipped', 'delivered', 'returned')
     AND NOT chotdon_platform_ships(o.id)  -- TikTok's own logistics carry those
     AND (SELECT count(*) FROM shipments s WHERE s.order_id = o.id
          AND s.status <> 'cancelled') <> 1) AS shipped_without_one_shipment
"""


def _as_dict(row: asyncpg.Record | None) -> dict[str, Any]:
    return dict(row.items()) if row is not None else {}


async def wait_until_settled(pool: asyncpg.Pool, timeout_s: float) -> dict[str, int]:
    """Poll until nothing is unfinished or the timeout passes; what was still open at the end."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            row = _as_dict(await pool.fetchrow(UNFINISHED))
        except CONNECTION_LOST:
            row = {"unreadable": 1}
        if not any(row.values()) or time.monotonic() > deadline:
            return row
        await asyncio.sleep(1.0)


STUCK_MESSAGES = """
SELECT id, kind, attempts, last_error, extract(epoch FROM now() - created_at)::int AS age_s
FROM outbound_messages WHERE status = 'pending' ORDER BY id LIMIT 5
"""


async def stuck_messages(pool: asyncpg.Pool, arq: ArqRedis) -> list[dict[str, Any]]:
    """The messages still pending after the settle, with what arq says of their send job: when a
    run fails on one, its figures say whether the job was lost, deferred, or held in progress."""
    found = []
    for row in await pool.fetch(STUCK_MESSAGES):
        send_job = FACEBOOK_SEND_JOB if row["kind"].startswith("facebook.") else PLATFORM_SEND_JOB
        job = Job(send_job.job_id(row["id"]), arq, _queue_name=job_queue(arq, send_job.function))
        found.append({**dict(row.items()), "send_job": (await job.status()).value})
    return found


async def stored_comments(
    pool: asyncpg.Pool, sent: dict[Platform, set[str]]
) -> tuple[int, int, int]:
    """(sent ids stored, sent ids not stored, rows stored more than once)."""
    rows = await pool.fetch("SELECT platform, external_id FROM comments")
    seen = Counter((r["platform"], r["external_id"]) for r in rows)
    wanted = {(p.value, i) for p, ids in sent.items() for i in ids}
    stored = sum(1 for key in wanted if key in seen)
    twice = sum(n - 1 for n in seen.values() if n > 1)
    return stored, len(wanted) - stored, twice


def _repeats(keys: Iterable[tuple[Any, ...]]) -> int:
    return sum(n - 1 for n in Counter(keys).values() if n > 1)


def received_messages(sims: Simulators) -> tuple[int, int]:
    """(messages the platforms received, of which repeats of one text to one recipient)."""
    facebook = [
        (m.get("page_id"), str(m.get("recipient")), str(m.get("message")))
        for m in sims.facebook.sent
    ]
    zalo = [(m["oa_id"], m["user_id"], m["text"]) for m in sims.zalo.sent]
    zns = [(m["oa_id"], m.get("phone"), str(m.get("template_data"))) for m in sims.zalo.zns]
    total = len(facebook) + len(zalo) + len(zns)
    return total, _repeats(facebook) + _repeats(zalo) + _repeats(zns)


async def figures(pool: asyncpg.Pool, sims: Simulators) -> dict[str, Any]:
    async with pool.acquire() as conn:
        consistency = _as_dict(await conn.fetchrow(CONSISTENCY))
        shipments = _as_dict(await conn.fetchrow(SHIPMENTS))
        orders = await conn.fetchrow(
            "SELECT count(*) AS orders, count(*) FILTER (WHERE status = 'delivered') AS delivered, "
            "count(*) FILTER (WHERE status = 'returned') AS returned, "
            "count(*) FILTER (WHERE status = 'expired') AS expired, "
            "count(*) FILTER (WHERE status = 'cancelled') AS cancelled FROM orders"
        )
        duplicate_orders = await conn.fetchval(DUPLICATE_ORDERS)
        outbound = {r["status"]: r["n"] for r in await conn.fetch(
            "SELECT status, count(*) AS n FROM outbound_messages GROUP BY status")}  # fmt: skip
        # Delivery news rows are queued for the buyer, but nothing sends them yet: counted apart.
        shipment_news = await conn.fetchval(
            "SELECT count(*) FROM outbound_messages WHERE status = 'pending' "
            "AND kind LIKE 'shipment\\_%'"
        )
        client_codes = {r["client_order_code"] for r in await conn.fetch(
            "SELECT client_order_code FROM shipments WHERE status <> 'cancelled'")}  # fmt: skip
    parcels = sims.couriers.sim.parcels
    received, repeated = received_messages(sims)
    return {
        **_as_dict(orders), "duplicate_orders": int(duplicate_orders), **shipments,
        "courier_parcels": len(parcels),
        "parcels_without_shipment": sum(1 for _c, code in parcels if code not in client_codes),
        "messages_sent": int(outbound.get("sent", 0)),
        "messages_failed": int(outbound.get("failed", 0)),
        "messages_received_by_platforms": received, "duplicate_messages": repeated,
        "shipment_messages_never_sent": int(shipment_news), "consistency": consistency,
    }  # fmt: skip
