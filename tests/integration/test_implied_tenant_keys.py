"""Migration 0037 dropped `tenant_id -> tenants` from the merge's hot tables because a composite
key of each already proves it. Read from pg_catalog: every cooperative's table either keeps its
own key to tenants or has a composite key `(tenant_id, x) -> parent (tenant_id, id)` on a NOT NULL
x into a table that is itself anchored that way (comments: a CHECK makes a comment with a tenant
name its channel or session, both composite keys). And by behaviour: a row naming a cooperative
that does not exist is still refused, by the composite key or the CHECK."""

from __future__ import annotations

import asyncpg
import pytest

from tests.support.factories import seed_shop

# The tables whose tenant key 0037 dropped, and what stands in for it.
IMPLIED = {
    "order_items": "order_items_order_id_fkey",
    "order_events": "order_events_order_id_fkey",
    "buyer_identities": "buyer_identities_buyer_id_fkey",
    "orders": "orders_buyer_id_fkey",
}
# Counters written only by 0033's triggers from rows already checked; they never had a key.
NO_KEYS = {"dashboard_minutes", "dashboard_orders", "dashboard_products"}

TABLES_WITH_TENANT = """
SELECT c.oid::regclass::text AS tbl,
       EXISTS (SELECT 1 FROM pg_constraint f WHERE f.conrelid = c.oid AND f.contype = 'f'
               AND f.confrelid = 'tenants'::regclass AND f.conparentid = 0) AS own_key
FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
"""
# Composite keys carrying tenant_id whose other columns are all NOT NULL: parent per child.
NOT_NULL_COMPOSITE_KEYS = """
SELECT con.conname AS name, con.conrelid::regclass::text AS tbl,
       con.confrelid::regclass::text AS parent
FROM pg_constraint con
WHERE con.contype = 'f' AND con.conparentid = 0 AND cardinality(con.conkey) > 1
  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = con.conrelid
              AND a.attnum = ANY (con.conkey) AND a.attname = 'tenant_id')
  AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = con.conrelid
                  AND a.attnum = ANY (con.conkey) AND NOT a.attnotnull)
"""


async def test_every_cooperatives_table_is_anchored_to_its_tenant(db: asyncpg.Connection) -> None:
    tables = {r["tbl"]: r["own_key"] for r in await db.fetch(TABLES_WITH_TENANT)}
    keys = await db.fetch(NOT_NULL_COMPOSITE_KEYS)
    anchored = {t for t, own in tables.items() if own}
    grew = True
    while grew:  # a parent anchored by its own composite key anchors its children too
        more = {k["tbl"] for k in keys if k["parent"] in anchored} - anchored
        anchored |= more
        grew = bool(more)
    unanchored = set(tables) - anchored - NO_KEYS - {"comments"}
    assert unanchored == set(), "tables whose tenant_id no key proves"
    for table, stand_in in IMPLIED.items():  # the dropped keys, each with its stand-in
        assert not tables[table]
        assert (table, stand_in) in {(k["tbl"], k["name"]) for k in keys}
    assert set(tables) >= NO_KEYS and not any(tables[t] for t in NO_KEYS)


async def test_a_comment_with_a_tenant_names_its_channel_or_session(
    db: asyncpg.Connection,
) -> None:
    shop = await seed_shop(db)
    insert = (
        "INSERT INTO comments (tenant_id, platform, channel_external_id, external_id, channel_id, "
        "author_external_id, body, commented_at, intent, status) "
        "VALUES ($1, 'facebook', 'page-x', $2, $3, 'psid', 'chốt', now(), 'order', 'orphaned')"
    )
    with pytest.raises(asyncpg.CheckViolationError, match="comments_tenant_named_by_key"):
        await db.execute(insert, shop.tenant_id, "c1", None)
    with pytest.raises(asyncpg.ForeignKeyViolationError, match="comments_channel_id_fkey"):
        await db.execute(insert, shop.tenant_id + 1000, "c2", shop.channel_id)
    await db.execute(insert, shop.tenant_id, "c3", shop.channel_id)  # its own channel: fine
    await db.execute(insert, None, "c4", None)  # an unknown Page's comment: no tenant at all


async def test_lines_and_events_of_another_cooperative_are_still_refused(
    db: asyncpg.Connection,
) -> None:
    ours = await seed_shop(db, slug="htx-ours")
    theirs = await seed_shop(db, slug="htx-theirs")
    buyer = await db.fetchval(
        "INSERT INTO buyers (tenant_id, display_name) VALUES ($1, 'Lan') RETURNING id",
        ours.tenant_id,
    )
    order = await db.fetchval(
        "INSERT INTO orders (tenant_id, buyer_id, source, status) "
        "VALUES ($1, $2, 'manual', 'draft') RETURNING id",
        ours.tenant_id,
        buyer,
    )
    with pytest.raises(asyncpg.ForeignKeyViolationError, match="orders_buyer_id_fkey"):
        await db.execute(
            "INSERT INTO orders (tenant_id, buyer_id, source, status) "
            "VALUES ($1, $2, 'manual', 'draft')",
            theirs.tenant_id,
            buyer,
        )
    with pytest.raises(asyncpg.ForeignKeyViolationError, match="order_items_order_id_fkey"):
        await db.execute(
            "INSERT INTO order_items (tenant_id, order_id, code, qty, unit_price_vnd, status) "
            "VALUES ($1, $2, 'A01', 1, 0, 'requested')",
            theirs.tenant_id,
            order,
        )
    with pytest.raises(asyncpg.ForeignKeyViolationError, match="order_events_order_id_fkey"):
        await db.execute(
            "INSERT INTO order_events (tenant_id, order_id, actor, kind) "
            "VALUES ($1, $2, 'test', 'note')",
            theirs.tenant_id + 1000,
            order,
        )
