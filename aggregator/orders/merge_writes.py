"""The write side of a merge transaction: the new orders, lines, stock, audit rows and status
moves of every live in it, one statement per kind (aggregator/orders/merge.py read them)."""

from __future__ import annotations

from aggregator.core.lines import plan_changes
from aggregator.core.merge import MergeResult
from aggregator.orders.changes import BatchChanges
from aggregator.orders.loading import OpenOrder, load_products
from aggregator.orders.merge_batch import ACTOR, BuyerKey, MergeBatch, MergeConfig, MergeStats
from aggregator.orders.state import (
    INITIAL_STATUS,
    EventRow,
    NewOrder,
    create_orders_with_totals,
    reserve_order_ids,
    transition,
)
from aggregator.orders.stock import promote_waitlists_of_lives, release_orders
from aggregator.orders.totals import new_order_totals
from aggregator.runtime.db import Connection
from schema.enums import OrderSource
from schema.queries import query
from schema.states import OrderStatus


async def _create_orders(
    conn: Connection,
    batch: MergeBatch,
    new: dict[BuyerKey, int],
    changes: BatchChanges,
    config: MergeConfig,
) -> None:
    """Insert the batch's new orders ((live, buyer) -> reserved id) with the totals of the lines
    they are about to get: written once, never updated in the transaction that created them."""
    counted = changes.counted_lines(set(new.values()))
    rows = []
    for key, order_id in new.items():
        buyer = batch.buyers[key]
        session = buyer.session
        totals, fee = new_order_totals(
            counted[order_id], session.tenant_settings, session.promotion
        )
        rows.append(
            NewOrder(order_id, session.tenant_id, session.id, key[1], buyer.identity.id,
                     totals.subtotal_vnd, totals.discount_vnd, totals.free_shipping,
                     totals.total_vnd, fee)
        )  # fmt: skip
    await create_orders_with_totals(
        conn,
        orders=rows,
        source=OrderSource.COMMENT,
        confirm_window_s=config.confirm_window_s,
        actor=ACTOR,
        reason="order from comments",
    )


async def apply_batch(
    conn: Connection, batch: MergeBatch, config: MergeConfig
) -> tuple[set[int], set[int]]:
    """Write the batch's orders, lines and stock. Returns the orders whose lines changed, and the
    new ones among them whose totals are already right (created with them)."""
    orders, results = batch.orders, batch.results
    wanted = [k for k, r in results.items() if r.wants_anything and k not in orders]
    new = dict(zip(wanted, await reserve_order_ids(conn, len(wanted)), strict=True))
    for key, order_id in new.items():
        orders[key] = OpenOrder(order_id, key[1], INITIAL_STATUS)
        batch.stats[batch.buyers[key].session.id].orders_created += 1
    codes = {(batch.buyers[k].session.tenant_id, line[0]) for k, r in results.items()
             for line in r.desired}  # fmt: skip
    changes = BatchChanges(await load_products(conn, codes))
    cancelled: dict[int, int] = {}  # order -> the session its buyer wrote in
    changed_confirmed: list[int] = []
    for key, result in results.items():
        order, buyer = orders.get(key), batch.buyers[key]
        if order is None or not result.applied:
            continue
        if result.cancel_order:
            cancelled[order.id] = buyer.session.id
            continue
        last = result.applied[-1]
        positions = {line: result.first_comment.get(line, last) for line in result.desired}
        lines = batch.lines.get(order.id, [])
        increases, shrinks = plan_changes(lines, result.desired, positions)
        changes.shrink(buyer.session, order.id, shrinks)
        changes.grow(buyer.session, order.id, increases, lines)
        if (increases or shrinks) and order.status is OrderStatus.CONFIRMED:
            changed_confirmed.append(order.id)
        changes.events.append(
            EventRow(buyer.session.tenant_id, order.id, ACTOR, "items_changed",
                     data={"comments": result.applied, "lines": _lines_json(result)})
        )  # fmt: skip
    await changes.plan(conn)
    await _create_orders(conn, batch, new, changes, config)
    await changes.write(conn)
    promoted: set[int] = set()
    for live_id, freed in (await promote_waitlists_of_lives(conn, changes.released)).items():
        batch.stats[batch.first_session(live_id)].orders_touched.update(freed)
        promoted.update(freed)
    await _finish_orders(conn, cancelled, changed_confirmed, batch.stats)
    for key, order_id in new.items():
        batch.stats[batch.buyers[key].session.id].orders_touched.add(order_id)
    for key, order in orders.items():
        if order.id in changes.touched:
            batch.stats[batch.buyers[key].session.id].orders_touched.add(order.id)
    created = set(new.values())
    return changes.touched | created | promoted, created - promoted


def _lines_json(result: MergeResult) -> dict[str, int]:
    return {f"{code}/{variant}" if variant else code or "?": qty
            for (code, variant), qty in result.desired.items()}  # fmt: skip


async def _finish_orders(
    conn: Connection,
    cancelled: dict[int, int],
    changed_confirmed: list[int],
    stats: dict[int, MergeStats],
) -> None:
    if cancelled:
        ids = sorted(cancelled)
        await release_orders(conn, ids)
        moved = await transition(
            conn, ids, OrderStatus.CANCELLED, actor=ACTOR, reason="buyer cancelled"
        )
        for order_id in moved.moved:
            stats[cancelled[order_id]].orders_cancelled += 1
    if changed_confirmed:
        await conn.execute(query("flag_reconfirmation"), changed_confirmed)
        await transition(
            conn, changed_confirmed, OrderStatus.AWAITING_CONFIRMATION,
            actor=ACTOR, reason="buyer changed a confirmed order",
        )  # fmt: skip
