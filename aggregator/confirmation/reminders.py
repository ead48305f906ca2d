"""One reminder per unconfirmed order, some time after it was created and before it expires.

The sweeper claims due orders by stamping reminder_sent_at in the statement that picks them, so
two sweepers never remind the same order and an order is reminded at most once; the message job
(one reminder key per order) is enqueued after that commit. Expiry itself stays in
workers/sweeper.py.
"""

from __future__ import annotations

import asyncpg
import structlog
from arq.connections import ArqRedis

from aggregator.confirmation.messages import MessageKind, enqueue_order_messages
from schema.queries import query

log = structlog.get_logger()
REMINDER_BATCH = 500


async def send_due_reminders(
    pool: asyncpg.Pool, arq: ArqRedis, reminder_after_s: float, batch: int = REMINDER_BATCH
) -> int:
    """Claim the orders due for their reminder and enqueue one message job each."""
    claimed: list[int] = []
    while True:
        rows = await pool.fetch(query("claim_due_reminders"), reminder_after_s, batch)
        claimed += [r["id"] for r in rows]
        if len(rows) < batch:
            break
    if claimed:
        await enqueue_order_messages(arq, claimed, 0, MessageKind.REMINDER)
        log.info("order.reminders_due", orders=len(claimed))
    return len(claimed)
