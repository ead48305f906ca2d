"""A running live's stock, changed by the director mid-live ("về thêm 20 hộp").

Under the live's merge lock and then its stock rows, the merge's own lock order, so no merge
reads a level in between. A quantity may not fall below what buyers already hold; stock added
goes to the waitlist first, head of each queue first, exactly as a cancelled order's stock does.
"""

from __future__ import annotations

from collections.abc import Mapping

import asyncpg
import structlog

from aggregator.errors import NotFoundError
from aggregator.orders.stock import StockKey, lock_stock, promote_waitlists
from aggregator.orders.totals import recompute_totals
from aggregator.staff.catalogue import SetupFormError
from aggregator.staff.lives import MAX_STOCK
from schema.queries import query

log = structlog.get_logger()
BELOW_HELD = "Không thể đặt số lượng thấp hơn số khách đang giữ (cột «Giữ»)."


class LiveNotFoundError(NotFoundError, LookupError):
    """No running live of this cooperative with that id."""


def parse_stock_form(keys: list[str], quantities: list[str]) -> dict[StockKey, int]:
    """The live page's rows: `key` = "<product id>|<variant>" beside each `qty`, in order.
    A quantity that is not a whole number from 0 to MAX_STOCK is refused in Vietnamese."""
    wanted: dict[StockKey, int] = {}
    for key, text in zip(keys, quantities, strict=False):
        product, _, variant = key.partition("|")
        if not product.isdecimal() or len(product) > 18:
            continue
        value = text.strip().replace(".", "")
        if not value.isdecimal() or int(value) > MAX_STOCK:
            raise SetupFormError({"stock": f"Số lượng mỗi sản phẩm từ 0 đến {MAX_STOCK}."})
        wanted[(int(product), variant)] = int(value)
    return wanted


async def change_live_stock(
    pool: asyncpg.Pool, tenant_id: int, live_id: int, wanted: Mapping[StockKey, int]
) -> list[int]:
    """Set the quantities of the live's pool (all its channels); returns the orders whose
    waitlisted lines now hold stock. SetupFormError when one would fall below what buyers hold."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(query("lock_live"), live_id)
        live = await conn.fetchrow(query("lock_live_for_setup"), live_id)
        if live is None or live["tenant_id"] != tenant_id or live["status"] == "ended":
            raise LiveNotFoundError(live_id)
        levels = await lock_stock(conn, live_id, wanted)
        changes = {k: q for k, q in wanted.items() if k in levels and q != levels[k].quantity}
        if any(q < levels[k].reserved for k, q in changes.items()):
            raise SetupFormError({"stock": BELOW_HELD})
        if not changes:
            return []
        keys = sorted(changes)
        await conn.execute(
            query("set_live_stock"), live_id, [k[0] for k in keys], [k[1] for k in keys],
            [changes[k] for k in keys],
        )  # fmt: skip
        raised = [k for k in keys if changes[k] > levels[k].quantity]
        promoted = sorted(set(await promote_waitlists(conn, live_id, raised)))
        await recompute_totals(conn, promoted)
    log.info("live.stock_changed", live_id=live_id, rows=len(keys), promoted=len(promoted))
    return promoted
