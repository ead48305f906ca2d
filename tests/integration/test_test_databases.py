"""The suite's own databases: one a test gives back is reused only as good as a fresh clone of
the template (no row, sequences as the template has them, no leaked process can reach it), and a
test that changed the schema gets it replaced by a fresh clone."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from tests.support.databases import with_database
from tests.support.spares import SpareDatabases

COUNTS = "SELECT (SELECT count(*) FROM tenants), (SELECT count(*) FROM schema_migrations)"


async def _fill(url: str) -> tuple[int, int]:
    conn = await asyncpg.connect(url)
    try:
        # enough rows that the table is truncated rather than deleted from (no dead rows kept)
        await conn.execute(
            "INSERT INTO tenants (slug, name) SELECT 'htx-' || n, 'HTX ' || n "
            "FROM generate_series(1, 2500) n"
        )
        return tuple(await conn.fetchrow(COUNTS))  # type: ignore[return-value]
    finally:
        await conn.close()


async def _read(url: str, sql: str) -> asyncpg.Record:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchrow(sql)
    finally:
        await conn.close()


@pytest.fixture
def spares(admin_url: str) -> SpareDatabases:
    return SpareDatabases(admin_url)


async def test_a_database_given_back_comes_back_empty_under_another_name(
    admin_url: str, spares: SpareDatabases
) -> None:
    try:
        first = await asyncio.to_thread(spares.take)
        url = with_database(admin_url, first)
        tenants, migrations = await _fill(url)
        assert tenants == 2500 and migrations > 0
        leaked = await asyncpg.connect(url)  # a process the test forgot to stop
        spares.give_back(first)
        second = await asyncio.to_thread(spares.take)
        assert second != first
        assert leaked.is_closed() or not await _alive(leaked)
        again = with_database(admin_url, second)
        assert tuple(await _read(again, COUNTS)) == (0, migrations)
        fresh_id = await _read(
            again, "INSERT INTO tenants (slug, name) VALUES ('htx-ba', 'HTX Ba') RETURNING id"
        )
        assert fresh_id["id"] == 1  # the sequence starts over, as in the template
        spares.give_back(second)
    finally:
        spares.close()


async def _changed_then_taken_again(
    admin_url: str, spares: SpareDatabases, change: str
) -> tuple[str, str]:
    """A database taken, changed by `change` as a test might, given back, and the next one
    taken: (the changed one's name, the one taken after it)."""
    name = await asyncio.to_thread(spares.take)
    conn = await asyncpg.connect(with_database(admin_url, name))
    try:
        await conn.execute(change)
    finally:
        await conn.close()
    spares.give_back(name)
    return name, await asyncio.to_thread(spares.take)


async def test_a_database_whose_schema_a_test_changed_is_replaced_by_a_fresh_clone(
    admin_url: str, spares: SpareDatabases
) -> None:
    try:
        name, replaced = await _changed_then_taken_again(
            admin_url, spares, "ALTER TABLE tenants ADD COLUMN scratch int"
        )
        columns = await _read(
            with_database(admin_url, replaced),
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_name = 'tenants' AND column_name = 'scratch'",
        )
        assert columns[0] == 0
        gone = await _read(admin_url, f"SELECT count(*) FROM pg_database WHERE datname = '{name}'")
        assert gone[0] == 0
        spares.give_back(replaced)
    finally:
        spares.close()


async def test_a_database_whose_migrations_list_a_test_edited_is_replaced(
    admin_url: str, spares: SpareDatabases
) -> None:
    """The list of applied migrations is the one table kept, not emptied: a test that edits it
    (to see an edited or a future migration refused) must not hand that on."""
    try:
        _, replaced = await _changed_then_taken_again(
            admin_url, spares, "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1"
        )
        edited = await _read(
            with_database(admin_url, replaced),
            "SELECT count(*) FROM schema_migrations WHERE checksum = 'edited'",
        )
        assert edited[0] == 0
        spares.give_back(replaced)
    finally:
        spares.close()


async def _alive(conn: asyncpg.Connection) -> bool:
    try:
        await conn.fetchval("SELECT 1")
        return True
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
        return False
