"""Per-live stock in Postgres: reserve, release and promote waitlists, row-locked, set-based.

Keyed by the live (lives.id), not the session: one pool for every channel the live runs on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import asyncpg

from aggregator.core.stock import promotable
from aggregator.runtime.db import Connection
from schema.queries import query

StockKey = tuple[int, str]  # (product id, variant or "")


@dataclass(frozen=True, slots=True)
class StockLevel:
    quantity: int
    reserved: int

    @property
    def available(self) -> int:
        return self.quantity - self.reserved


def _columns(keys: Iterable[StockKey]) -> tuple[list[int], list[str]]:
    ordered = sorted(set(keys))
    return [k[0] for k in ordered], [k[1] for k in ordered]


async def lock_stock(
    conn: Connection, live_id: int, keys: Iterable[StockKey]
) -> dict[StockKey, StockLevel]:
    """Lock the stock rows of these products (in a fixed order, so lockers never deadlock)."""
    products, variants = _columns(keys)
    if not products:
        return {}
    rows = await conn.fetch(query("lock_stock_rows"), live_id, products, variants)
    return {(r["product_id"], r["variant"]): StockLevel(r["quantity"], r["reserved"]) for r in rows}


async def keys_with_waitlist(
    conn: Connection, live_id: int, keys: Iterable[StockKey]
) -> set[StockKey]:
    products, variants = _columns(keys)
    if not products:
        return set()
    rows = await conn.fetch(query("keys_with_waitlist"), live_id, products, variants)
    return {(r["product_id"], r["variant"]) for r in rows}


async def adjust_reserved(conn: Connection, live_id: int, deltas: Mapping[StockKey, int]) -> None:
    changed = {k: d for k, d in deltas.items() if d}
    if not changed:
        return
    keys = sorted(changed)
    await conn.execute(
        query("adjust_reserved"),
        live_id,
        [k[0] for k in keys],
        [k[1] for k in keys],
        [changed[k] for k in keys],
    )


LiveStockKey = tuple[int, int, str]  # (live id, product id, variant): a key of several lives


def _live_columns(keys: Iterable[LiveStockKey]) -> tuple[list[int], list[int], list[str]]:
    ordered = sorted(set(keys))
    return [k[0] for k in ordered], [k[1] for k in ordered], [k[2] for k in ordered]


async def lock_stock_of_lives(
    conn: Connection, keys: Iterable[LiveStockKey]
) -> dict[LiveStockKey, StockLevel]:
    """lock_stock for the keys of several lives, in one order (live, product, variant)."""
    columns = _live_columns(keys)
    if not columns[0]:
        return {}
    rows = await conn.fetch(query("lock_stock_rows_of_lives"), *columns)
    return {
        (r["live_id"], r["product_id"], r["variant"]): StockLevel(r["quantity"], r["reserved"])
        for r in rows
    }


async def keys_with_waitlist_of_lives(
    conn: Connection, keys: Iterable[LiveStockKey]
) -> set[LiveStockKey]:
    columns = _live_columns(keys)
    if not columns[0]:
        return set()
    rows = await conn.fetch(query("keys_with_waitlist_of_lives"), *columns)
    return {(r["live_id"], r["product_id"], r["variant"]) for r in rows}


async def adjust_reserved_of_lives(conn: Connection, deltas: Mapping[LiveStockKey, int]) -> None:
    changed = {k: d for k, d in deltas.items() if d}
    if not changed:
        return
    keys = sorted(changed)
    await conn.execute(
        query("adjust_reserved_of_lives"), *_live_columns(keys), [changed[k] for k in keys]
    )


async def promote_waitlists(conn: Connection, live_id: int, keys: Iterable[StockKey]) -> list[int]:
    """Hold the waitlisted lines that now fit, head of each queue first; returns their order ids."""
    promoted = await promote_waitlists_of_lives(conn, [(live_id, *key) for key in keys])
    return promoted.get(live_id, [])


async def promote_waitlists_of_lives(
    conn: Connection,
    keys: Iterable[LiveStockKey],
    locked: Mapping[LiveStockKey, StockLevel] | None = None,
) -> dict[int, list[int]]:
    """promote_waitlists for keys of several lives, one statement per step; returns per live the
    ids of the orders whose lines were promoted. `locked`: the keys' rows as they stand now, when
    the caller already locked them in this transaction (else they are locked and read here)."""
    levels = locked if locked is not None else await lock_stock_of_lives(conn, keys)
    waiting = await _waitlist_heads(conn, levels)
    promoted: dict[int, list[int]] = defaultdict(list)
    held: list[int] = []
    deltas: dict[LiveStockKey, int] = {}
    for key in sorted(levels):
        lines = waiting[key][: promotable(levels[key].available, [w["qty"] for w in waiting[key]])]
        if lines:
            held += [w["id"] for w in lines]
            deltas[key] = sum(w["qty"] for w in lines)
            promoted[key[0]] += [w["order_id"] for w in lines]
    if held:
        await conn.execute(query("hold_lines"), held)
        await adjust_reserved_of_lives(conn, deltas)
    return promoted


async def _waitlist_heads(
    conn: Connection, levels: Mapping[LiveStockKey, StockLevel]
) -> dict[LiveStockKey, list[asyncpg.Record]]:
    """The head of each key's waitlist, as many lines as could fit its free stock (each line is
    1 or more): the rest of the queue cannot be promoted now, and reading it walked every live's
    lines of the product (waitlists_of_keys). A key with nothing free is not read at all."""
    free = {key: level.available for key, level in levels.items() if level.available > 0}
    waiting: dict[LiveStockKey, list[asyncpg.Record]] = defaultdict(list)
    if not free:
        return waiting
    columns = _live_columns(free)
    lines = [free[key] for key in zip(*columns, strict=True)]
    for r in await conn.fetch(query("waitlists_of_keys"), *columns, lines):
        waiting[(r["live_id"], r["product_id"], r["variant"])].append(r)
    return waiting


async def release_orders(conn: Connection, order_ids: list[int]) -> list[int]:
    """Remove every line of these orders, give back what they held, promote the waitlists.

    Returns the ids of the orders whose waitlisted lines were promoted.
    """
    rows = await conn.fetch(query("remove_lines_of_orders"), order_ids)
    released: dict[LiveStockKey, int] = defaultdict(int)
    for row in rows:
        if row["was_status"] == "held" and row["product_id"] is not None:
            released[(row["live_id"], row["product_id"], row["variant"])] -= row["qty"]
    if not released:
        return []
    levels = await lock_stock_of_lives(conn, released)
    await adjust_reserved_of_lives(conn, released)
    # The rows stay locked: what they hold now is known without locking and reading them again.
    now = {k: StockLevel(lv.quantity, lv.reserved + released[k]) for k, lv in levels.items()}
    promoted = await promote_waitlists_of_lives(conn, released, now)
    return [order_id for orders in promoted.values() for order_id in orders]
