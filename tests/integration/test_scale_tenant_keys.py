"""The schema is ready for a Postgres sharded by tenant_id (migration 0035, README "Growing past
one machine"): read from pg_catalog, every primary key, unique key and unique index carries
tenant_id, and every foreign key between two cooperatives' tables is composite, its tenant_id
matched to the parent's. What stays global is listed below, each with why; a name on a list
that the schema no longer has fails too, so the lists cannot rot into a blanket pass."""

from __future__ import annotations

import asyncpg
import pytest

from tests.support.factories import seed_shop

# Tables that belong to no cooperative (a sharded Postgres keeps them as reference/local tables).
GLOBAL_TABLES = {
    "tenants": "the cooperatives themselves: the distribution key's own table",
    "host_accounts": "the host's staff, above every cooperative",
    "host_sessions": "their sessions",
    "login_limits": "login throttling by address and login, before anyone is known",
    "login_failures": "the same, failures before a cooperative is known",
    "worker_heartbeats": "the workers' liveness, one per process",
    "schema_migrations": "the migration ledger",
    # Idempotency keys of the month-partitioned tables (0034), claimed when a row is stored.
    "comment_keys": "a comment is stored once before its cooperative is known (unknown Page)",
    "webhook_delivery_keys": "a delivery is stored once before it is read for its cooperative",
}
# Keys of cooperatives' tables that find the cooperative from outside, so they must be unique
# over all of them; on a sharded Postgres each becomes a lookup in a small reference table.
GLOBAL_KEYS = {
    "channels_platform_external_id_key": "a webhook names the Page / OA / shop, not the tenant",
    "bank_connections_provider_account_number_key": "a bank notification names the account",
    "payments_source_transaction_key": "a transfer is stored once before it matches a tenant",
    "payments_pkey": "payments.tenant_id is NULL until a transfer matches a cooperative",
    "channel_logins_state_hash_key": "the OAuth callback brings only the state",
    "staff_sessions_token_hash_key": "the session cookie brings only the token",
    "staff_login_key": "a staff member logs in with a login, not a cooperative",
    "orders_order_no_key": "the order number a buyer types into a bank transfer",
    "product_batches_public_code_key": "the origin page's QR code carries only the code",
    "shipments_client_code_key": "a courier's webhook names its client order code",
}
# Month-partitioned tables (0034) whose rows may have no cooperative when stored: their key is
# (id, month). The other two partitioned tables, order_events and outbound_messages, are checked
# like any other. Partitions are checked through their partitioned parent, not one by one.
PARTITIONED_WITHOUT_TENANT = {
    "comments": "an unknown Page's comment is stored (orphaned) before any cooperative is known",
    "webhook_deliveries": "a delivery is recorded before its signature and cooperative are read",
}

UNIQUE_WITHOUT_TENANT = """
SELECT ci.relname AS name, c.relname AS tbl
FROM pg_index i
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_class ci ON ci.oid = i.indexrelid
WHERE c.relnamespace = 'public'::regnamespace AND i.indisunique AND NOT c.relispartition
  AND NOT EXISTS (
      SELECT 1 FROM pg_attribute a
      WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND a.attnum = ANY (i.indkey))
ORDER BY 1
"""
# (child column, parent column) pairs of each foreign key, in order.
FOREIGN_KEYS = """
SELECT con.conname AS name, c.relname AS tbl, p.relname AS parent,
       array_agg(ca.attname ORDER BY k.ord) AS cols,
       array_agg(pa.attname ORDER BY k.ord) AS parent_cols
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_class p ON p.oid = con.confrelid
CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(child, par, ord)
JOIN pg_attribute ca ON ca.attrelid = con.conrelid AND ca.attnum = k.child
JOIN pg_attribute pa ON pa.attrelid = con.confrelid AND pa.attnum = k.par
WHERE con.contype = 'f' AND con.connamespace = 'public'::regnamespace
  AND con.conparentid = 0 AND NOT c.relispartition
GROUP BY con.conname, c.relname, p.relname
ORDER BY 1
"""


def _exempt_table(table: str) -> bool:
    return table in GLOBAL_TABLES or table in PARTITIONED_WITHOUT_TENANT


async def test_every_unique_key_of_a_cooperatives_table_carries_tenant_id(
    db: asyncpg.Connection,
) -> None:
    rows = await db.fetch(UNIQUE_WITHOUT_TENANT)
    offending = [
        f"{r['tbl']}: {r['name']}"
        for r in rows
        if not _exempt_table(r["tbl"]) and r["name"] not in GLOBAL_KEYS
    ]
    assert offending == [], "unique keys without tenant_id (add it, or list it with why)"
    # the test reads what it means to: the global keys are among what it found
    assert GLOBAL_KEYS.keys() <= {r["name"] for r in rows}


async def test_every_foreign_key_between_cooperatives_tables_matches_tenant_id(
    db: asyncpg.Connection,
) -> None:
    rows = await db.fetch(FOREIGN_KEYS)
    assert len(rows) > 50  # the query reads the real constraints
    offending = []
    for r in rows:
        if _exempt_table(r["tbl"]) or _exempt_table(r["parent"]):
            continue
        if r["cols"] == ["tenant_id"] and r["parent"] == "tenants":
            continue  # the row's own cooperative
        pairs = set(zip(r["cols"], r["parent_cols"], strict=True))
        if ("tenant_id", "tenant_id") not in pairs:
            offending.append(f"{r['tbl']}.{r['name']} -> {r['parent']} {r['parent_cols']}")
    assert offending == [], "foreign keys not matched on tenant_id"


async def test_the_allow_lists_name_only_what_the_schema_has(db: asyncpg.Connection) -> None:
    tables = {r["relname"] for r in await db.fetch(
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
        "AND relkind IN ('r', 'p')")}  # fmt: skip
    indexes = {r["relname"] for r in await db.fetch(
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
        "AND relkind IN ('i', 'I')")}  # fmt: skip
    assert GLOBAL_TABLES.keys() <= tables
    assert tables >= PARTITIONED_WITHOUT_TENANT.keys()
    assert GLOBAL_KEYS.keys() <= indexes
    has_tenant = {r["relname"] for r in await db.fetch(
        "SELECT c.relname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "WHERE c.relnamespace = 'public'::regnamespace AND a.attname = 'tenant_id'")}  # fmt: skip
    assert not (GLOBAL_TABLES.keys() & has_tenant), "a global table has tenant_id: not global"


async def test_a_row_cannot_point_at_another_cooperatives_row(db: asyncpg.Connection) -> None:
    """What the composite keys buy beyond sharding: one cooperative's live cannot put another's
    product on sale, nor its stock line name another's live (row-level security only hid it)."""
    ours = await seed_shop(db, slug="htx-ours")
    theirs = await seed_shop(db, slug="htx-theirs")
    stock = (
        "INSERT INTO live_stock (tenant_id, live_id, product_id, quantity) VALUES ($1, $2, $3, 5)"
    )
    with pytest.raises(asyncpg.ForeignKeyViolationError, match="live_stock_product_id_fkey"):
        await db.execute(stock, ours.tenant_id, ours.live, theirs.products["A01"])
    with pytest.raises(asyncpg.ForeignKeyViolationError, match="live_stock_live_id_fkey"):
        await db.execute(stock, ours.tenant_id, theirs.live, ours.products["A01"])
    await db.execute(stock, ours.tenant_id, ours.live, ours.products["A01"])  # its own: fine
