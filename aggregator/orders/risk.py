""" "Bom hàng" risk of an order's buyer, and the director's prepayment rule, from Postgres."""

from __future__ import annotations

from dataclasses import dataclass

from aggregator.core.risk import (
    PREPAY_SETTING,
    RiskLevel,
    prepay_threshold,
    requires_prepayment,
    risk_level,
)
from aggregator.errors import NotFoundError
from aggregator.runtime.db import Connection
from schema.queries import query


@dataclass(frozen=True, slots=True)
class OrderRisk:
    order_id: int
    delivered: int
    returned: int
    level: RiskLevel
    prepay_required: bool
    blocked: bool = False  # on the cooperative's block list: never COD, prepayment required


async def order_risk(conn: Connection, order_id: int) -> OrderRisk:
    row = await conn.fetchrow(query("order_risk"), order_id)
    if row is None:
        raise NotFoundError(f"no order {order_id}")
    level = risk_level(row["delivered"], row["returned"])
    threshold = prepay_threshold(row["tenant_settings"] or {})
    blocked = bool(row["blocked"])
    prepay = blocked or requires_prepayment(level, threshold)
    return OrderRisk(order_id, row["delivered"], row["returned"], level, prepay, blocked)


async def set_prepay_threshold(conn: Connection, tenant_id: int, level: RiskLevel | None) -> None:
    """Director setting: require prepayment from this risk level up (None: never)."""
    value = level.label if level is not None else None
    updated = await conn.fetchval(query("set_tenant_setting"), tenant_id, PREPAY_SETTING, value)
    if updated is None:
        raise NotFoundError(f"no tenant {tenant_id}")
