"""Recompute orders' totals after their lines changed: subtotal, the live's promotion, total.

The arithmetic is aggregator.core.promotion.order_totals (pure, unit-tested); this module only
reads its inputs and writes its answer, one statement each for the whole batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import asyncpg

from aggregator.core.prepay import money_rules
from aggregator.core.promotion import Totals, order_totals, promotion_of
from aggregator.core.shop_texts import province_fee
from aggregator.runtime.db import Connection
from schema.queries import query


async def recompute_totals(conn: Connection, order_ids: Iterable[int]) -> None:
    ids = sorted(set(order_ids))
    if not ids:
        return
    rows = await conn.fetch(query("order_totals_inputs"), ids)
    fees = [_fee(r) for r in rows]
    totals = [
        order_totals(int(r["subtotal"]), int(r["items"]), fee, promotion_of(r["promotion"]))
        for r, fee in zip(rows, fees, strict=True)
    ]
    await conn.execute(
        query("store_order_totals"),
        [r["id"] for r in rows],
        [t.subtotal_vnd for t in totals],
        [t.discount_vnd for t in totals],
        [t.free_shipping for t in totals],
        [t.total_vnd for t in totals],
        fees,
    )


def _fee(row: asyncpg.Record) -> int:
    return fee_of(int(row["items"]), row["tenant_settings"], row["province_code"],
                  int(row["shipping_vnd"]))  # fmt: skip


def fee_of(
    items: int, tenant_settings: Mapping[str, Any], province_code: str | None, shipping_vnd: int
) -> int:
    """The delivery fee the buyer pays: the director's setting when there is one, else what the
    order already carries (0: the courier collects its own fee at the door). An order holding
    nothing ships nothing, so it carries no fee."""
    if not items:
        return 0
    by_province = province_fee(tenant_settings, province_code)
    if by_province is not None:  # the director's fee table names the buyer's province
        return by_province
    return money_rules(tenant_settings).shipping_fee_vnd or shipping_vnd


def new_order_totals(
    lines: Iterable[tuple[int, int]],
    tenant_settings: Mapping[str, Any],
    promotion: Mapping[str, Any],
) -> tuple[Totals, int]:
    """(totals, fee) of an order created now with these wanted lines, (qty, unit price) each:
    what recompute_totals would store for it (no province yet, no fee carried yet)."""
    wanted = list(lines)
    subtotal = sum(qty * price for qty, price in wanted)
    items = sum(qty for qty, _ in wanted)
    fee = fee_of(items, tenant_settings, None, 0)
    return order_totals(subtotal, items, fee, promotion_of(promotion)), fee
