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
