"""Platform orders (TikTok Shop) become orders in our queue, one locked batch per transaction.

The platform_orders row holds the newest state TikTok reported; `applied_updated_at` says which
state our order already reflects. A batch takes the rows of one shop whose state is not applied
yet, creates the missing orders (source 'platform', buyer linked through the shop channel's
identities and by phone, lines held in the shop's live on air), moves them only through the state
module (confirm, or cancel with the stock given back and the waitlists promoted), and marks the
state applied, all in one transaction. A repeated or older delivery never changes the stored
state, so it has nothing to apply: running twice changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg
import structlog

from aggregator.core.platform_orders import (
    Delivery,
    Step,
    next_step,
    tiktok_action,
    tiktok_carrier_moves,
    tiktok_delivery,
)
from aggregator.orders.buyers import Identity, link_phones, resolve_identities
from aggregator.orders.loading import ProductRef
from aggregator.orders.state import EventRow, create_orders, record_events, transition
from aggregator.orders.stock import StockKey, adjust_reserved, lock_stock, release_orders
from aggregator.orders.totals import recompute_totals
from aggregator.runtime.db import Connection
from schema.enums import ItemStatus, OrderSource
from schema.events import PlatformOrderEvent, PlatformOrderItem
from schema.queries import query
from schema.states import OrderStatus

log = structlog.get_logger()
ACTOR = "system:platform"
BATCH_SIZE = 200


@dataclass(frozen=True, slots=True)
class PlatformRow:
    id: int
    tenant_id: int
    order_id: int | None
    updated_at: datetime
    event: PlatformOrderEvent

    @property
    def delivery(self) -> Delivery:
        return tiktok_delivery(self.event.payload)

    @property
    def step(self) -> Step:
        return next_step(tiktok_action(self.event.external_status), self.order_id is not None)


@dataclass
class ApplyStats:
    applied: int = 0
    created: int = 0
    confirmed: int = 0
    cancelled: int = 0
    orders_touched: set[int] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Shop:
    tenant_id: int
    channel_id: int
    session_id: int | None
    live_id: int | None  # the pool the lines hold from (one for every channel of the live)


async def apply_platform_orders(
    pool: asyncpg.Pool, channel_id: int, batch_size: int = BATCH_SIZE
) -> ApplyStats:
    """Apply every unapplied state of the shop's orders, batch after batch."""
    stats = ApplyStats()
    while True:
        async with pool.acquire() as conn, conn.transaction():
            done = await _apply_batch(conn, channel_id, batch_size, stats)
        if done < batch_size:
            if stats.applied:
                log.info("platform_order.applied", channel_id=channel_id, applied=stats.applied,
                         created=stats.created, confirmed=stats.confirmed,
                         cancelled=stats.cancelled)  # fmt: skip
            return stats


async def _load(conn: Connection, channel_id: int, limit: int) -> list[PlatformRow]:
    rows = await conn.fetch(query("unapplied_platform_orders"), channel_id, limit)
    return [
        PlatformRow(r["id"], r["tenant_id"], r["order_id"], r["updated_at"],
                    PlatformOrderEvent.model_validate(r["payload"]))
        for r in rows
    ]  # fmt: skip


async def _apply_batch(
    conn: Connection, channel_id: int, batch_size: int, stats: ApplyStats
) -> int:
    rows = await _load(conn, channel_id, batch_size)
    if not rows:
        return 0
    on_air = await conn.fetchrow(query("shop_live_on_air"), channel_id)
    shop = Shop(rows[0].tenant_id, channel_id, on_air["id"] if on_air else None,
                on_air["live_id"] if on_air else None)  # fmt: skip
    if shop.live_id is not None:  # the merge's lock: stock of the live changes one at a time
        await conn.execute(query("lock_live"), shop.live_id)
    creating = [r for r in rows if r.step is Step.CREATE_CONFIRMED]
    created = await _create_orders(conn, shop, creating)
    order_of = {r.id: r.order_id or created.get(r.id) for r in rows}
    await _set_delivery(conn, [r for r in rows if order_of[r.id]], order_of)
    confirm = [o for r in rows if r.step in (Step.CONFIRM, Step.CREATE_CONFIRMED)
               if (o := order_of[r.id])]  # fmt: skip
    cancel = [o for r in rows if r.step is Step.CANCEL if (o := order_of[r.id])]
    promoted = await _move(conn, confirm, cancel, stats)
    await _follow_carrier(
        conn, [(o, r.event.external_status) for r in rows if (o := order_of[r.id])]
    )
    await record_events(conn, [
        EventRow(r.tenant_id, order_id, ACTOR, "platform_state",
                 data={"external_order_id": r.event.external_order_id,
                       "external_status": r.event.external_status})
        for r in rows if (order_id := order_of[r.id])
    ])  # fmt: skip
    touched = sorted(set(created.values()) | set(promoted))
    if touched:
        await recompute_totals(conn, touched)
    await conn.execute(
        query("mark_platform_orders_applied"),
        [r.id for r in rows], [order_of[r.id] for r in rows], [r.updated_at for r in rows],
    )  # fmt: skip
    stats.applied += len(rows)
    stats.created += len(created)
    stats.orders_touched.update(touched)
    return len(rows)


async def _move(
    conn: Connection, confirm: list[int], cancel: list[int], stats: ApplyStats
) -> list[int]:
    """Confirm and cancel through the state module; returns the orders promoted from waitlists."""
    if confirm:
        moved = await transition(conn, confirm, OrderStatus.CONFIRMED, actor=ACTOR,
                                 reason="paid or cash on delivery in the TikTok Shop")  # fmt: skip
        stats.confirmed += len(moved.moved)
    if not cancel:
        return []
    moved = await transition(
        conn, cancel, OrderStatus.CANCELLED, actor=ACTOR, reason="cancelled in the TikTok Shop"
    )
    stats.cancelled += len(moved.moved)
    return await release_orders(conn, moved.moved) if moved.moved else []


async def _follow_carrier(conn: Connection, states: list[tuple[int, str]]) -> None:
    """Orders TikTok ships follow its carrier (shipped, delivered): no courier webhook of ours
    will tell (platforms/tiktok/fulfilment.py). Others are left to our own courier's news."""
    ours = {r["id"] for r in await conn.fetch(
        query("platform_shipped_orders"), [o for o, _ in states])}  # fmt: skip
    for target in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        moving = [o for o, status in states
                  if o in ours and target.value in tiktok_carrier_moves(status)]  # fmt: skip
        if moving:
            await transition(conn, moving, target, actor=ACTOR, reason="TikTok's carrier")


async def _identities(
    conn: Connection, shop: Shop, rows: Sequence[PlatformRow]
) -> dict[str, Identity]:
    """The buyers of these orders on the shop channel, linked to others by the recipient phone."""
    names = {r.event.buyer_external_id: r.event.buyer_name for r in rows}
    identities, _ = await resolve_identities(conn, shop.tenant_id, shop.channel_id, names)
    phones = {identities[r.event.buyer_external_id]: phone
              for r in rows if (phone := r.delivery.phone)}  # fmt: skip
    linked = await link_phones(conn, shop.tenant_id, shop.session_id or 0, phones)
    return {author: linked.get(i.id, i) for author, i in identities.items()}


def _waves(rows: Sequence[PlatformRow]) -> list[list[PlatformRow]]:
    """Split so that no wave has two orders of one buyer (create_orders maps by identity)."""
    waves: list[list[PlatformRow]] = []
    for row in rows:
        wave = next((w for w in waves
                     if all(x.event.buyer_external_id != row.event.buyer_external_id for x in w)),
                    None)  # fmt: skip
        if wave is None:
            waves.append(wave := [])
        wave.append(row)
    return waves


async def _create_orders(
    conn: Connection, shop: Shop, rows: Sequence[PlatformRow]
) -> dict[int, int]:
    """Create our orders for these platform orders; returns platform row id -> order id."""
    if not rows:
        return {}
    identities = await _identities(conn, shop, rows)
    created: dict[int, int] = {}
    for wave in _waves(rows):
        buyers = [identities[r.event.buyer_external_id] for r in wave]
        by_identity = await create_orders(
            conn, tenant_id=shop.tenant_id, session_id=shop.session_id,
            buyers=[(i.buyer_id, i.id) for i in buyers], source=OrderSource.PLATFORM,
            confirm_window_s=0.0, actor=ACTOR, reason="order placed in the TikTok Shop",
        )  # fmt: skip
        created.update({r.id: by_identity[i.id] for r, i in zip(wave, buyers, strict=True)})
    await _add_lines(conn, shop, [(created[r.id], r.event.items) for r in rows])
    return created


async def _add_lines(
    conn: Connection, shop: Shop, orders: list[tuple[int, list[PlatformOrderItem]]]
) -> None:
    """Lines held in the live on air when its stock allows; otherwise requested (already sold)."""
    codes = sorted({item.code for _, items in orders for item in items})
    rows = await conn.fetch(query("products_by_code"), shop.tenant_id, codes)
    products = {r["code"]: ProductRef(r["id"], r["price_vnd"], r["variant_prices"]) for r in rows}
    keys = {(products[i.code].id, i.variant or "") for _, items in orders for i in items
            if i.code in products}  # fmt: skip
    levels = await lock_stock(conn, shop.live_id, keys) if shop.live_id else {}
    reserve: dict[StockKey, int] = defaultdict(int)
    columns: list[list[object]] = [[] for _ in range(9)]
    for order_id, items in orders:
        for item in items:
            product = products.get(item.code)
            product_id = product.id if product else None
            price = product.price_of(item.variant or "") if product else 0
            key = (product_id or 0, item.variant or "")
            status = ItemStatus.UNCLEAR if product_id is None else ItemStatus.REQUESTED
            if key in levels and levels[key].available - reserve[key] >= item.qty:
                status, reserve[key] = ItemStatus.HELD, reserve[key] + item.qty
            elif key in levels:
                log.warning("platform_order.oversold", order_id=order_id, code=item.code)
            row = (order_id, product_id, item.code, item.variant or "", item.qty,
                   item.unit_price_vnd or price, status.value, None, 0)  # fmt: skip
            for column, value in zip(columns, row, strict=True):
                column.append(value)
    if shop.live_id is not None:
        await adjust_reserved(conn, shop.live_id, reserve)
    if columns[0]:
        await conn.execute(query("insert_order_items"), shop.tenant_id, *columns)


async def _set_delivery(
    conn: Connection, rows: Sequence[PlatformRow], order_of: dict[int, int | None]
) -> None:
    deliveries = [(order_of[r.id], r.delivery) for r in rows]
    if not deliveries:
        return
    await conn.execute(
        query("set_platform_order_delivery"),
        [o for o, _ in deliveries], [d.payment.value for _, d in deliveries],
        [d.name for _, d in deliveries], [d.phone for _, d in deliveries],
        [d.address for _, d in deliveries],
    )  # fmt: skip
