"""The demo's stand-ins for the cooperative's staff.

On the phone: they call buyers, take the address and confirm most orders; every fourth order (by
id) never answers, so the demo also shows holds expiring and their stock going to the waitlist.
At the packing table: confirmed orders are packed a few seconds later, which hands them to the
courier exactly as a packer's barcode scan does; every third order (by id) is left on the packing
screen for the person trying the demo (log in as "donggoi").
"""

from __future__ import annotations

import asyncio

import asyncpg
from arq.connections import ArqRedis

from aggregator.orders.state import transition
from aggregator.runtime.db import Connection
from aggregator.shipping.handoff import mark_packed
from schema.states import OrderStatus

CALL_EVERY_S = 1.5
ANSWERED_AFTER_S = 6.0  # buyers with a link confirm on the page first; staff call the rest
PACKED_AFTER_S = 3.0
LEFT_FOR_PERSON_EVERY = 3  # orders whose id divides by this wait for a person to pack them
PHONE_CALL = "gọi điện xác nhận"


async def _take_addresses(conn: Connection, ids: list[int]) -> None:
    """What the buyer says on the phone: name, a mobile number, a two-level address."""
    await conn.execute(
        "UPDATE orders o SET recipient_name = coalesce(nullif(b.display_name, ''), 'Khách'), "
        "recipient_phone = '09' || lpad((o.id % 100000000)::text, 8, '0'), "
        "address_line = 'Số ' || (o.id % 200 + 1) || ' đường Lê Lợi', "
        # The 2025 codes, as the buyer page stores them: Phường Trần Lãm, Hưng Yên (ex-Thái Bình).
        "province_code = '33', ward_code = '12454' "
        "FROM buyers b WHERE b.id = o.buyer_id AND o.id = ANY($1::bigint[])",
        ids,
    )


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
            await _take_addresses(conn, ids)
            await transition(
                conn, ids, OrderStatus.CONFIRMED, actor="staff:demo", reason=PHONE_CALL
            )
        await asyncio.sleep(CALL_EVERY_S)


async def pack_orders(pool: asyncpg.Pool, arq: ArqRedis, session_ids: list[int]) -> None:
    """Run until cancelled: pack confirmed orders and hand them to the courier."""
    while True:
        async with pool.acquire() as conn, conn.transaction():
            ids = [
                r["id"]
                for r in await conn.fetch(
                    "SELECT id FROM orders WHERE session_id = ANY($1::bigint[]) "
                    "AND status = 'confirmed' AND updated_at < now() - make_interval(secs => $2) "
                    "AND id % $3 <> 0",
                    session_ids,
                    PACKED_AFTER_S,
                    LEFT_FOR_PERSON_EVERY,
                )
            ]
            moved = await transition(
                conn, ids, OrderStatus.PACKING, actor="staff:demo-packer", reason="nhận đóng gói"
            )
        if moved.moved:
            await mark_packed(pool, arq, moved.moved, actor="staff:demo-packer")
        await asyncio.sleep(CALL_EVERY_S)
