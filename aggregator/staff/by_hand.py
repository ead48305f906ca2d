"""Messages a platform would not carry ("Cần gửi tay"): staff copy each one into the buyer's
chat (or an SMS), then mark it sent.

They are the outbound records in status 'unsent': a channel with no sender, or a buyer the
platform gives no way to write to (a TikTok LIVE viewer relayed by a bridge). Marking one sent
stamps who did it; an order's event log says so too.
"""

from __future__ import annotations

import asyncpg
import structlog

from aggregator.orders.state import EventRow, record_events
from aggregator.staff.accounts import StaffUser
from schema.queries import query

log = structlog.get_logger()
PAGE_LIMIT = 200


async def messages_to_send(pool: asyncpg.Pool, staff: StaffUser) -> list[asyncpg.Record]:
    return list(await pool.fetch(query("messages_to_send_by_hand"), staff.tenant_id, PAGE_LIMIT))


async def mark_sent_by_hand(pool: asyncpg.Pool, staff: StaffUser, message_id: int) -> bool:
    """False: not an unsent message of this cooperative (or marked already)."""
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(query("mark_sent_by_hand"), staff.tenant_id, message_id, staff.id)
        if row is None:
            return False
        if row["order_id"] is not None:
            event = EventRow(staff.tenant_id, row["order_id"], staff.actor, "message_sent_by_hand",
                             reason="nhân viên đã gửi tay tin nhắn cho khách",
                             data={"message_id": message_id})  # fmt: skip
            await record_events(conn, [event])
    log.info("outbound.sent_by_hand", message_id=message_id, staff_id=staff.id)
    return True
