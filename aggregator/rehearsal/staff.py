"""The demo's stand-in for the staff on the phone: they call buyers and confirm most orders.

Every fourth order (by id) is never confirmed, so the demo also shows holds expiring and their
stock going to the waitlist.
"""

from __future__ import annotations

import asyncio

import asyncpg

from aggregator.orders.state import transition
from schema.states import OrderStatus

CALL_EVERY_S = 1.5
ANSWERED_AFTER_S = 3.0


async def confirm_calls(pool: asyncpg.Pool, session_ids: list[int]) -> None:
    """Run until cancelled: confirm awaiting orders a few seconds old, except every fourth."""
    while True:
        async with pool.acquire() as conn, conn.transaction():
            ids = [
                r["id"]
                for r in await conn.fetch(
                    "SELECT id FROM orders WHERE session_id = ANY($1::bigint[]) "
                    "AND status = 'awaiting_confirmation' AND id % 4 <> 0 "
                    "AND created_at < now() - make_interval(secs => $2) AND total_vnd > 0",
                    session_ids,
                    ANSWERED_AFTER_S,
                )
            ]
            await transition(
                conn, ids, OrderStatus.CONFIRMED, actor="staff:demo", reason="gọi điện xác nhận"
            )
        await asyncio.sleep(CALL_EVERY_S)
