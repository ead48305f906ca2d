"""Row-level security, the second wall between cooperatives (migration 0012).

Staff requests use a pool whose connections act as chotdon_staff for the signed-in cooperative;
Postgres then shows and accepts only that cooperative's rows, even to a query that forgot its
tenant filter. These tests write such forgetful queries on purpose.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from aggregator.runtime.db import create_staff_pool
from aggregator.runtime.tenancy import acting_for
from aggregator.settings import Settings
from aggregator.staff import queue as staff_queue
from aggregator.web.app import create_app
from schema.enums import StaffRole
from schema.queries import query
from tests.support.factories import Shop, seed_shop
from tests.support.staff import add_order, add_staff, log_in

TENANT_TABLES = """
SELECT c.relname, c.relrowsecurity,
       EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = 'tenant_wall'
               AND p.polroles = ARRAY['chotdon_staff'::regrole::oid]) AS walled
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind = 'r'
  AND (c.relname = 'tenants' OR EXISTS (
      SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id'
        AND NOT a.attisdropped))
ORDER BY c.relname
"""
FORGETFUL_ORDER = "$1::bigint IS NOT NULL AND o.id = $2"  # staff_order without its tenant filter


@pytest.fixture
async def staff_pool(settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_staff_pool(settings)
    yield pool
    await pool.close()


async def _two_shops(db: asyncpg.Connection) -> tuple[Shop, Shop, int, int]:
    a, b = await seed_shop(db, slug="htx-a"), await seed_shop(db, slug="htx-b")
    order_a = await add_order(db, a, name="Khách của A", phone="0978111222", comment="chốt A01")
    order_b = await add_order(db, b, name="Khách của B", comment="chốt A01 x2")
    return a, b, order_a, order_b


async def test_every_table_holding_a_tenant_is_behind_the_wall(db: asyncpg.Connection) -> None:
    rows = await db.fetch(TENANT_TABLES)
    assert len(rows) >= 20  # orders, buyers, comments, shipments… (found, not listed by hand)
    outside = [r["relname"] for r in rows if not (r["relrowsecurity"] and r["walled"])]
    assert outside == [], f"tenant tables without row-level security: {outside}"


async def test_a_query_without_its_tenant_filter_sees_only_its_cooperative(
    db: asyncpg.Connection, staff_pool: asyncpg.Pool
) -> None:
    a, b, order_a, _ = await _two_shops(db)
    unscoped = "SELECT DISTINCT tenant_id FROM {}"
    for table in ("orders", "buyers", "comments", "order_items", "products", "live_sessions"):
        everyone = {r[0] for r in await db.fetch(unscoped.format(table))}
        assert everyone >= {a.tenant_id, b.tenant_id}, table
        with acting_for(b.tenant_id):
            seen = {r[0] for r in await staff_pool.fetch(unscoped.format(table))}
        assert seen == {b.tenant_id}, table
    with acting_for(b.tenant_id):
        assert await staff_pool.fetchval("SELECT count(*) FROM tenants") == 1
        assert await staff_pool.fetchval("SELECT count(*) FROM orders WHERE id = $1", order_a) == 0


async def test_nothing_of_another_cooperative_can_be_changed_or_written(
    db: asyncpg.Connection, staff_pool: asyncpg.Pool
) -> None:
    a, b, order_a, _ = await _two_shops(db)
    before = await db.fetchrow("SELECT * FROM orders WHERE id = $1", order_a)
    with acting_for(b.tenant_id):
        changed = await staff_pool.execute(
            "UPDATE orders SET note = 'của B' WHERE id = $1", order_a
        )
        removed = await staff_pool.execute("DELETE FROM order_items WHERE order_id = $1", order_a)
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
            await staff_pool.execute(
                "INSERT INTO products (tenant_id, code, name, price_vnd) "
                "VALUES ($1, 'Z99', 'x', 1)",
                a.tenant_id,
            )
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
            await staff_pool.execute(  # moving one's own row into A is refused too
                "UPDATE products SET tenant_id = $1 WHERE tenant_id = $2", a.tenant_id, b.tenant_id
            )
    assert (changed, removed) == ("UPDATE 0", "DELETE 0")
    assert await db.fetchrow("SELECT * FROM orders WHERE id = $1", order_a) == before
    assert await db.fetchval("SELECT count(*) FROM order_items WHERE order_id = $1", order_a) == 1


async def test_without_a_cooperative_a_staff_connection_sees_nothing(
    db: asyncpg.Connection, staff_pool: asyncpg.Pool
) -> None:
    await _two_shops(db)
    assert await staff_pool.fetchval("SELECT count(*) FROM orders") == 0
    assert await staff_pool.fetchval("SELECT current_user") == "chotdon_staff"


async def test_one_connection_lent_in_turn_to_two_cooperatives_keeps_them_apart(
    db: asyncpg.Connection, settings: Settings
) -> None:
    a, b, _, _ = await _two_shops(db)
    pool = await create_staff_pool(settings.model_copy(update={"pg_staff_pool_max": 1}))

    async def tenants_seen(tenant_id: int) -> set[int]:
        with acting_for(tenant_id):
            rows = await pool.fetch("SELECT tenant_id, pg_sleep(0.01) FROM orders")
        return {r["tenant_id"] for r in rows}

    try:
        seen = await asyncio.gather(*(tenants_seen(t) for t in [a.tenant_id, b.tenant_id] * 10))
    finally:
        await pool.close()
    assert seen == [{a.tenant_id}, {b.tenant_id}] * 10


async def test_a_staff_page_whose_query_forgot_the_tenant_still_hides_the_other_cooperative(
    db: asyncpg.Connection, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """staff_order is rewritten to lose its tenant filter: through the main pool it would find A's
    order (the control), through the staff page B gets 404 and nothing of A."""
    _, b, order_a, order_b = await _two_shops(db)
    forgetful = query("staff_order").replace("o.tenant_id = $1 AND o.id = $2", FORGETFUL_ORDER)
    assert forgetful != query("staff_order")
    assert await db.fetchrow(forgetful, b.tenant_id, order_a) is not None  # the bug is real
    monkeypatch.setattr(
        staff_queue, "query", lambda name: forgetful if name == "staff_order" else query(name)
    )
    _, login = await add_staff(db, b.tenant_id, StaffRole.STAFF)
    client: TestClient[Any, Any]
    async with TestClient(TestServer(create_app(settings))) as client:
        await log_in(client, login)
        theirs = await client.get(f"/don/{order_a}")
        ours = await client.get(f"/don/{order_b}")
        assert theirs.status == 404
        assert "Khách của A" not in await theirs.text()
        assert ours.status == 200 and "Khách của B" in await ours.text()
