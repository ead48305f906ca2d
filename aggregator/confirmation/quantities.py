"""The buyer changes quantities on the order page, within the stock the live holds for them.

A held line may grow only by what the live still has and nobody waits for; shrinking or removing
it gives the stock back and promotes the waitlist (in the same transaction). Requested and
waitlisted lines hold no stock, so their quantity just changes. Unclear lines are left to staff.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from aggregator.confirmation.errors import StockLimitError
from aggregator.confirmation.view import OrderPage, PageLine
from aggregator.orders.state import EventRow, record_events
from aggregator.orders.stock import (
    StockKey,
    adjust_reserved,
    keys_with_waitlist,
    lock_stock,
    promote_waitlists,
)
from aggregator.orders.totals import recompute_totals
from aggregator.runtime.db import Connection
from schema.enums import ItemStatus
from schema.queries import query

ACTOR = "buyer:order_page"


def _stock_deltas(
    page: OrderPage, changes: dict[int, int]
) -> tuple[dict[StockKey, int], dict[StockKey, PageLine]]:
    deltas: dict[StockKey, int] = defaultdict(int)
    growing: dict[StockKey, PageLine] = {}
    for line in page.lines:
        if line.id in changes and line.status is ItemStatus.HELD and line.product_id is not None:
            key = (line.product_id, line.variant)
            deltas[key] += changes[line.id] - line.qty
            if changes[line.id] > line.qty:
                growing[key] = line
    return deltas, growing


async def _check_stock(
    conn: Connection,
    page: OrderPage,
    deltas: dict[StockKey, int],
    growing: dict[StockKey, PageLine],
) -> None:
    """Refuse a held line growing past what is left, or past buyers already waiting."""
    assert page.live_id is not None or not deltas
    levels = await lock_stock(conn, page.live_id or 0, deltas)
    queued = await keys_with_waitlist(conn, page.live_id or 0, growing)
    for key, line in growing.items():
        if key not in levels:
            continue  # no per-live stock for this product: not limited
        available = 0 if key in queued else levels[key].available
        if deltas[key] > available:
            raise StockLimitError(line.id, line.code, available)


async def apply_quantities(
    conn: Connection, page: OrderPage, quantities: dict[int, int], actor: str = ACTOR
) -> bool:
    """Write the buyer's new quantities (0 removes a line); False if nothing changed."""
    lines = {ln.id: ln for ln in page.lines}
    changes = {
        lid: qty
        for lid, qty in quantities.items()
        if lid in lines and lines[lid].editable and qty != lines[lid].qty
    }
    if not changes:
        return False
    deltas, growing = _stock_deltas(page, changes)
    await _check_stock(conn, page, deltas, growing)
    ids = sorted(changes)
    await conn.execute(
        query("update_order_items"),
        ids,
        [changes[i] or lines[i].qty for i in ids],
        [(lines[i].status if changes[i] else ItemStatus.REMOVED).value for i in ids],
    )
    promoted: list[int] = []
    if deltas:
        await adjust_reserved(conn, page.live_id or 0, deltas)
        freed = [key for key, delta in deltas.items() if delta < 0]
        promoted = await promote_waitlists(conn, page.live_id or 0, freed)
    await recompute_totals(conn, sorted({page.id, *promoted}))
    changed: dict[str, Any] = {_label(lines[i]): changes[i] for i in ids}
    event = EventRow(
        page.tenant_id,
        page.id,
        actor,
        "items_changed",
        reason="buyer changed quantities",
        data={"lines": changed},
    )
    await record_events(conn, [event])
    return True


def _label(line: PageLine) -> str:
    return f"{line.code}/{line.variant}" if line.variant else line.code
