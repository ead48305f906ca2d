"""Money gates in Postgres: which orders may not ship yet (and why), the payment deadline of an
order that must prepay, and the director's money rules.

The rule itself is SQL (chotdon_ship_block, migration 0019) so that the packer's claim, the
booking, its sweep and a trigger on orders.status all ask the same question.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import structlog

from aggregator.core.prepay import BLOCK_TEXT, MoneyRules, money_rules
from aggregator.errors import ConflictError, NotFoundError
from aggregator.runtime.db import Connection
from schema.queries import query

log = structlog.get_logger()


class ShipBlockedError(ConflictError):
    """The order must not be claimed, packed or booked now; `block` says why."""

    def __init__(self, order_id: int, block: str) -> None:
        super().__init__(f"order {order_id} may not ship: {block}")
        self.order_id, self.block = order_id, block
        self.staff_message = BLOCK_TEXT.get(block, block)


async def ship_blocks(conn: Connection, order_ids: Sequence[int]) -> dict[int, str]:
    """order id -> 'unpaid', 'empty' or 'unheld', for the orders that may not ship now."""
    if not order_ids:
        return {}
    rows = await conn.fetch(query("ship_blocks_of_orders"), list(order_ids))
    return {int(r["id"]): str(r["block"]) for r in rows}


async def start_payment_deadline(conn: Connection, order_id: int) -> datetime | None:
    """At confirmation: an order that must prepay gets the director's deadline (once)."""
    settings = await conn.fetchval(query("tenant_settings_of_order"), order_id)
    hours = money_rules(settings).payment_hours
    deadline: datetime | None = await conn.fetchval(
        query("start_payment_deadline"), order_id, hours
    )
    if deadline is not None:
        log.info("order.payment_deadline_set", order_id=order_id, hours=hours)
    return deadline


async def load_money_rules(conn: Connection, tenant_id: int) -> MoneyRules:
    settings = await conn.fetchval(query("tenant_settings"), tenant_id)
    return money_rules(settings)


async def save_money_rules(conn: Connection, tenant_id: int, rules: MoneyRules) -> None:
    if await conn.fetchval(query("merge_tenant_settings"), tenant_id, rules.as_settings()) is None:
        raise NotFoundError(f"no tenant {tenant_id}")
    level = rules.prepay_at.label if rules.prepay_at is not None else None
    log.info("tenant.money_rules_saved", tenant_id=tenant_id, prepay_at=level,
             hours=rules.payment_hours)  # fmt: skip
