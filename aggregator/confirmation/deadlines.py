"""The payment deadline of an order that must prepay: one reminder half-way, then expiry.

The deadline is set when the order is confirmed (aggregator/orders/money.start_payment_deadline,
from the director's hours), or by the sweeper from the moment a confirmed order came to need
prepayment. The sweeper claims due reminders by stamping payment_reminded_at in
the statement that picks them (once per order, however many sweepers run), and the message goes
through the same outbound path as every buyer message (an 'unsent' record for staff where the
platform cannot write to the buyer). Past the deadline, still unpaid, the order expires under its
live's merge lock, exactly as an unconfirmed order does: its lines go, its stock goes to the
next buyers on the waitlist (aggregator/orders/stock.release_orders).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import asyncpg
import structlog
from arq.connections import ArqRedis

from aggregator.confirmation.messages import MessageKind, enqueue_order_messages
from aggregator.core.prepay import money_rules
from aggregator.orders.loading import lock_session
from aggregator.orders.state import transition
from aggregator.orders.stock import release_orders
from schema.queries import query
from schema.states import OrderStatus

log = structlog.get_logger()
BATCH = 500
ACTOR = "system:payment-deadline"
REASON = "quá hạn chuyển khoản"


@dataclass
class Expiry:
    expired: list[int] = field(default_factory=list)
    promoted: list[int] = field(default_factory=list)  # orders that got the released stock


async def send_due_payment_reminders(pool: asyncpg.Pool, arq: ArqRedis, batch: int = BATCH) -> int:
    """Claim the unpaid orders due for their one reminder and enqueue a message job each."""
    claimed: list[int] = []
    while True:
        rows = await pool.fetch(query("claim_due_payment_reminders"), batch)
        claimed += [r["id"] for r in rows]
        if len(rows) < batch:
            break
    if claimed:
        await enqueue_order_messages(arq, claimed, 0, MessageKind.PAYMENT_REMINDER)
        log.info("order.payment_reminders_due", orders=len(claimed))
    return len(claimed)


async def start_late_deadlines(pool: asyncpg.Pool, batch: int = BATCH) -> int:
    """Orders confirmed before they had to prepay (a block or a lower threshold came later)
    get the director's deadline from now, so they are reminded and expire like the others."""
    rows = await pool.fetch(query("orders_needing_payment_deadline"), batch)
    if not rows:
        return 0
    hours = [money_rules(r["tenant_settings"]).payment_hours for r in rows]
    started = await pool.fetch(query("set_payment_deadlines"), [r["id"] for r in rows], hours)
    log.info("order.payment_deadlines_started", orders=len(started))
    return len(started)


async def expire_unpaid_orders(pool: asyncpg.Pool) -> Expiry:
    """Every live's confirmed orders still unpaid past their deadline expire and free stock."""
    result = Expiry()
    for row in await pool.fetch(query("sessions_with_unpaid_overdue")):
        await _expire_in_session(pool, row["session_id"], result)
    if result.expired:
        log.info("order.payment_expired", orders=len(result.expired),
                 promoted=len(result.promoted))  # fmt: skip
    return result


async def _expire_in_session(pool: asyncpg.Pool, session_id: int | None, result: Expiry) -> None:
    """Lock order is the merge's own (the live, then the order rows), as the confirm expiry's."""
    while True:
        async with pool.acquire() as conn, conn.transaction():
            if session_id is not None:
                await lock_session(conn, session_id)
            rows = await conn.fetch(query("unpaid_orders_past_deadline"), session_id, BATCH)
            ids = [r["id"] for r in rows]
            if ids:
                result.promoted += await release_orders(conn, ids)
                moved = await transition(conn, ids, OrderStatus.EXPIRED, actor=ACTOR, reason=REASON)
                result.expired += moved.moved
        if len(ids) < BATCH:
            break
    await _forget_shippable(pool, session_id)


async def _forget_shippable(pool: asyncpg.Pool, session_id: int | None) -> None:
    """Past-deadline orders that no longer must prepay (the director lowered the rule, a block
    was lifted) may ship: their deadline goes, so the sweep stops looking at them."""
    rows = await pool.fetch(query("unpaid_overdue_not_prepay"), session_id)
    if rows:
        await pool.execute(query("clear_payment_deadline"), [r["id"] for r in rows])
