"""Collect the writes of one merge transaction (every live of it), then flush them in a few
set-based statements: one per kind of write, whatever the number of lives."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from aggregator.core.lines import Increase, Line, Shrink
from aggregator.core.merge import UNCLEAR_CODE
from aggregator.core.stock import StockRequest, allocate
from aggregator.orders.loading import ProductRef, SessionInfo
from aggregator.orders.state import EventRow, record_events
from aggregator.orders.stock import (
    LiveStockKey,
    adjust_reserved_of_lives,
    keys_with_waitlist_of_lives,
    lock_stock_of_lives,
)
from aggregator.runtime.db import Connection
from schema.enums import HoldMode, ItemStatus
from schema.queries import query

_GROWABLE = (ItemStatus.HELD, ItemStatus.REQUESTED)


@dataclass(frozen=True, slots=True)
class NewLine:
    live: SessionInfo
    order_id: int
    product: ProductRef | None
    code: str
    variant: str
    qty: int
    status: ItemStatus
    position: int


@dataclass
class PendingIncrease:
    live: SessionInfo  # a session of the order's live: its pool, hold mode and cooperative
    order_id: int
    increase: Increase
    existing: list[Line]


@dataclass
class BatchChanges:
    """Everything one transaction will write, for every live in it; `flush` writes it in the
    right order. Products are keyed by (cooperative, code), stock by (live, product, variant)."""

    products: dict[tuple[int, str], ProductRef]
    increases: list[PendingIncrease] = field(default_factory=list)
    new_lines: list[NewLine] = field(default_factory=list)
    line_updates: dict[int, tuple[int, ItemStatus]] = field(default_factory=dict)
    reserve: dict[LiveStockKey, int] = field(default_factory=lambda: defaultdict(int))
    events: list[EventRow] = field(default_factory=list)
    touched: set[int] = field(default_factory=set)

    def product(self, live: SessionInfo, code: str) -> ProductRef | None:
        return self.products.get((live.tenant_id, code))

    def shrink(self, live: SessionInfo, order_id: int, shrinks: list[Shrink]) -> None:
        for s in shrinks:
            status = s.line.status if s.new_qty else ItemStatus.REMOVED
            self.line_updates[s.line.id] = (s.new_qty or s.line.qty, status)
            product = self.product(live, s.line.key[0])
            if s.line.status is ItemStatus.HELD and product is not None:
                key = (live.live_id, product.id, s.line.key[1])
                self.reserve[key] -= s.line.qty - s.new_qty
            self.touched.add(order_id)

    def grow(
        self, live: SessionInfo, order_id: int, increases: list[Increase], lines: list[Line]
    ) -> None:
        for inc in increases:
            self.increases.append(PendingIncrease(live, order_id, inc, lines))
            self.touched.add(order_id)

    async def _allocate(self, conn: Connection) -> dict[int, ItemStatus]:
        """Status of each pending increase: held, waitlisted, requested or unclear."""
        statuses: dict[int, ItemStatus] = {}
        stocked: dict[LiveStockKey, list[int]] = defaultdict(list)
        for index, pending in enumerate(self.increases):
            code, variant = pending.increase.key
            product = self.product(pending.live, code)
            if code == UNCLEAR_CODE or product is None:
                statuses[index] = ItemStatus.UNCLEAR
            elif pending.live.hold_mode is not HoldMode.FIRST_COMMENT:
                statuses[index] = ItemStatus.REQUESTED  # held at confirmation or payment
            else:
                stocked[(pending.live.live_id, product.id, variant)].append(index)
        levels = await lock_stock_of_lives(conn, stocked)
        queued = await keys_with_waitlist_of_lives(conn, levels)
        for key, indexes in stocked.items():
            if key not in levels:  # no per-live stock for this product: not limited
                statuses.update(dict.fromkeys(indexes, ItemStatus.REQUESTED))
                continue
            requests = [
                StockRequest(self.increases[i].increase.position, self.increases[i].increase.qty)
                for i in indexes
            ]
            granted = allocate(levels[key].available, key in queued, requests)
            for i, ok in zip(indexes, granted, strict=True):
                statuses[i] = ItemStatus.HELD if ok else ItemStatus.WAITLISTED
                if ok:
                    self.reserve[key] += self.increases[i].increase.qty
        return statuses

    def _place(self, pending: PendingIncrease, status: ItemStatus) -> None:
        code, variant = pending.increase.key
        grow = next(
            (ln for ln in pending.existing
             if ln.key == pending.increase.key and ln.status is status and status in _GROWABLE
             and self.line_updates.get(ln.id, (0, status))[1] is status),
            None,
        )  # fmt: skip
        if grow is not None:
            qty = self.line_updates.get(grow.id, (grow.qty, status))[0] + pending.increase.qty
            self.line_updates[grow.id] = (qty, status)
            return
        self.new_lines.append(
            NewLine(pending.live, pending.order_id, self.product(pending.live, code), code,
                    variant, pending.increase.qty, status, pending.increase.position)
        )  # fmt: skip

    async def flush(self, conn: Connection) -> None:
        await self.plan(conn)
        await self.write(conn)

    async def plan(self, conn: Connection) -> None:
        """Decide each increase's status and reserve the stock; no line is written yet, so the
        orders the lines go to may still be created (with their totals) in between."""
        statuses = await self._allocate(conn)
        for index, pending in enumerate(self.increases):
            self._place(pending, statuses[index])
        await adjust_reserved_of_lives(conn, self.reserve)

    async def write(self, conn: Connection) -> None:
        await self._write_lines(conn)
        await record_events(conn, self.events)

    def counted_lines(self, order_ids: set[int]) -> dict[int, list[tuple[int, int]]]:
        """Per order, (qty, unit price) of its new lines that count in its total (requested or
        held, as order_totals_inputs counts them)."""
        counted: dict[int, list[tuple[int, int]]] = {order_id: [] for order_id in order_ids}
        for r in self.new_lines:
            if r.order_id in counted and r.status in _GROWABLE:
                counted[r.order_id].append(
                    (r.qty, r.product.price_of(r.variant) if r.product else 0)
                )
        return counted

    async def _write_lines(self, conn: Connection) -> None:
        if self.line_updates:
            ids = sorted(self.line_updates)
            await conn.execute(
                query("update_order_items"),
                ids,
                [self.line_updates[i][0] for i in ids],
                [self.line_updates[i][1].value for i in ids],
            )
        if self.new_lines:
            rows = self.new_lines
            await conn.execute(
                query("insert_order_items_of_tenants"),
                [r.live.tenant_id for r in rows],
                [r.order_id for r in rows],
                [r.product.id if r.product else None for r in rows],
                [r.code for r in rows],
                [r.variant for r in rows],
                [r.qty for r in rows],
                [r.product.price_of(r.variant) if r.product else 0 for r in rows],
                [r.status.value for r in rows],
                [r.position for r in rows],
                [r.position for r in rows],
            )

    @property
    def released(self) -> list[LiveStockKey]:
        """The stock keys (of every live) this transaction gave stock back to."""
        return sorted(key for key, delta in self.reserve.items() if delta < 0)
