from __future__ import annotations

import asyncio

import asyncpg
import pytest

from aggregator.runtime.db import connect
from schema.errors import DatabaseTooNewError, MigrationChangedError
from schema.migrate import load_migrations, migrate
from tests.support.databases import create_empty_database, drop_database, with_database


@pytest.fixture
async def empty_url(admin_url: str):
    name = await create_empty_database(admin_url)
    yield with_database(admin_url, name)
    await drop_database(admin_url, name)


async def test_migrations_apply_on_empty_database_then_are_a_no_op(empty_url: str) -> None:
    conn = await connect(empty_url)
    try:
        first = await migrate(conn)
        second = await migrate(conn)
        tables = await conn.fetchval(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
    finally:
        await conn.close()
    known = [m.version for m in load_migrations()]
    assert first.applied == tuple(known)
    assert second.applied == ()
    assert second.current_version == known[-1]
    assert tables >= 18


async def test_two_processes_migrating_at_once_apply_each_migration_once(empty_url: str) -> None:
    conns = [await connect(empty_url) for _ in range(3)]
    try:
        reports = await asyncio.gather(*(migrate(c) for c in conns))
        ledger = await conns[0].fetch("SELECT version FROM schema_migrations")
    finally:
        for c in conns:
            await c.close()
    assert sorted(len(r.applied) for r in reports) == [0, 0, len(load_migrations())]
    assert len(ledger) == len(load_migrations())


async def test_database_from_a_newer_chotdon_is_refused(db: asyncpg.Connection) -> None:
    await db.execute(
        "INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'future', 'x')"
    )
    with pytest.raises(DatabaseTooNewError, match="upgrade chotdon"):
        await migrate(db)


async def test_an_edited_migration_is_refused(db: asyncpg.Connection) -> None:
    await db.execute("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1")
    with pytest.raises(MigrationChangedError, match="0001"):
        await migrate(db)


async def _migrate_up_to(conn: asyncpg.Connection, last: int) -> None:
    """Apply the shipped migrations up to `last` as `migrate` would (ledger rows included)."""
    await conn.execute(
        "CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, "
        "checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
    )
    for m in load_migrations():
        if m.version <= last:
            async with conn.transaction():
                await conn.execute(m.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    m.version, m.name, m.checksum,
                )  # fmt: skip


async def _seed_0017(conn: asyncpg.Connection) -> dict[str, int]:
    """Two lives of one shop as 0017 knew them (a session each, its own stock), and one buyer
    with two open orders in the first (two accounts linked by phone, flagged for review)."""
    ids: dict[str, int] = {}
    ids["tenant"] = await conn.fetchval(
        "INSERT INTO tenants (slug, name) VALUES ('htx-cu', 'HTX cũ') RETURNING id"
    )
    ids["channel"] = await conn.fetchval(
        "INSERT INTO channels (tenant_id, platform, external_id, name) "
        "VALUES ($1, 'facebook', 'p1', 'Trang') RETURNING id", ids["tenant"],
    )  # fmt: skip
    ids["product"] = await conn.fetchval(
        "INSERT INTO products (tenant_id, code, name, price_vnd) VALUES ($1, 'A01', 'Gạo', 1000) "
        "RETURNING id", ids["tenant"],
    )  # fmt: skip
    for n, (status, mode) in enumerate((("live", "first_confirm"), ("ended", "first_comment"))):
        ids[f"s{n}"] = await conn.fetchval(
            "INSERT INTO live_sessions (tenant_id, channel_id, external_live_id, title, status, "
            "hold_mode, promotion) VALUES ($1, $2, $3, $4, $5, $6, '{\"kind\": \"free_ship\"}') "
            "RETURNING id", ids["tenant"], ids["channel"], f"v{n}", f"Live {n}", status, mode,
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO session_stock (tenant_id, session_id, product_id, quantity, reserved) "
            "VALUES ($1, $2, $3, $4, $5)", ids["tenant"], ids[f"s{n}"], ids["product"], 10 + n, 3,
        )  # fmt: skip
    ids["buyer"] = await conn.fetchval(
        "INSERT INTO buyers (tenant_id, phone) VALUES ($1, '0912345678') RETURNING id",
        ids["tenant"],
    )
    for n in range(2):
        identity = await conn.fetchval(
            "INSERT INTO buyer_identities (tenant_id, buyer_id, channel_id, external_user_id) "
            "VALUES ($1, $2, $3, $4) RETURNING id", ids["tenant"], ids["buyer"], ids["channel"],
            f"acc{n}",
        )  # fmt: skip
        ids[f"o{n}"] = await conn.fetchval(
            "INSERT INTO orders (tenant_id, session_id, buyer_id, buyer_identity_id, source, "
            "status, merge_review) VALUES ($1, $2, $3, $4, 'comment', 'awaiting_confirmation', "
            "true) RETURNING id", ids["tenant"], ids["s0"], ids["buyer"], identity,
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO order_items (tenant_id, order_id, product_id, code, qty, status) "
            "VALUES ($1, $2, $3, 'A01', $4, 'held')", ids["tenant"], ids[f"o{n}"],
            ids["product"], n + 1,
        )  # fmt: skip
    return ids


async def test_0018_makes_each_session_a_live_with_its_stock(empty_url: str) -> None:
    conn = await connect(empty_url)
    try:
        await _migrate_up_to(conn, 17)
        ids = await _seed_0017(conn)
        report = await migrate(conn)
        assert 18 in report.applied
        lives = await conn.fetch(
            "SELECT s.id AS session_id, l.title, l.status, l.hold_mode, l.promotion, "
            "st.quantity, st.reserved FROM live_sessions s JOIN lives l ON l.id = s.live_id "
            "JOIN live_stock st ON st.live_id = l.id ORDER BY s.id"
        )
        assert [tuple(r) for r in lives] == [
            (ids["s0"], "Live 0", "live", "first_confirm", {"kind": "free_ship"}, 10, 3),
            (ids["s1"], "Live 1", "ended", "first_comment", {"kind": "free_ship"}, 11, 3),
        ]
        assert await conn.fetchval("SELECT to_regclass('session_stock')") is None
        orders = await conn.fetch(
            "SELECT o.id, o.status, o.live_id = s.live_id AS same_live, o.needs_reconfirmation "
            "FROM orders o JOIN live_sessions s ON s.id = o.session_id ORDER BY o.id"
        )
        assert [(r["id"], r["status"], r["same_live"]) for r in orders] == [
            (ids["o0"], "awaiting_confirmation", True), (ids["o1"], "cancelled", True),
        ]  # fmt: skip
        lines = await conn.fetch("SELECT order_id, qty FROM order_items ORDER BY qty")
        assert [(r["order_id"], r["qty"]) for r in lines] == [(ids["o0"], 1), (ids["o0"], 2)]
        audit = await conn.fetchrow(
            "SELECT to_status, data FROM order_events WHERE order_id = $1", ids["o1"]
        )
        assert audit["to_status"] == "cancelled" and audit["data"] == {"merged_into": ids["o0"]}
        # A session a connector creates later joins the live on air on its channel.
        joined = await conn.fetchval(
            "INSERT INTO live_sessions (tenant_id, channel_id, external_live_id) "
            "VALUES ($1, $2, 'video-9') RETURNING live_id", ids["tenant"], ids["channel"],
        )  # fmt: skip
        first_live = await conn.fetchval(
            "SELECT live_id FROM live_sessions WHERE id = $1", ids["s0"]
        )
        assert joined == first_live
    finally:
        await conn.close()
