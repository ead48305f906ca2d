"""Each test's database: cloned from the migrated template once, then emptied and reused.

Cloning the template costs about a second of Postgres CPU on a small machine, nearly all of it in
the kernel creating the new database's ~1,000 files (ext4 looks past every inode deleted in the
last seconds, and each dropped test database had just deleted a thousand): it was the larger part
of most tests' time. So a test process keeps its database: when a test ends, every connection to
it is cut, its rows are deleted and its sequences set back as the template has them, and it is
renamed (a process a test leaked cannot reconnect to the next test's database) for the next test.

A test that changed the schema (a dropped partition, an analyzed parent, a new function, a
setting) leaves a database that no longer matches the template's fingerprint: it is dropped and
the next test gets a fresh clone, as before.
"""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import Future, ThreadPoolExecutor

import asyncpg

from tests.support.databases import (
    create_test_database,
    drop_database,
    ensure_template,
    with_database,
)

# What DDL changes: relations, columns, defaults, functions, triggers, constraints, policies,
# types and enum values, grants, options, settings of the database; whether a partitioned parent
# has planner statistics yet (autovacuum never gives them any: a test checks it does); and the
# list of migrations applied, the only rows the template holds (tests edit it).
FINGERPRINT = r"""
SELECT md5(string_agg(item, ',' ORDER BY item)) FROM (
    SELECT concat_ws(':', 'r', c.oid, c.relname, c.relkind, c.relnatts, c.relacl, c.reloptions,
                     c.relkind = 'p' AND c.reltuples < 0) AS item
    FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
    UNION ALL
    SELECT concat_ws(':', 'a', a.attrelid, a.attname, a.atttypid, a.attnotnull, a.attisdropped)
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0
    UNION ALL SELECT concat_ws(':', 'd', oid, adrelid, adnum) FROM pg_attrdef
    UNION ALL SELECT concat_ws(':', 'f', oid, proname, md5(prosrc))
        FROM pg_proc WHERE pronamespace = 'public'::regnamespace
    UNION ALL SELECT concat_ws(':', 't', oid, tgname, tgenabled) FROM pg_trigger
    UNION ALL SELECT concat_ws(':', 'c', oid, conname) FROM pg_constraint
        WHERE connamespace = 'public'::regnamespace
    UNION ALL SELECT concat_ws(':', 'p', oid, polname) FROM pg_policy
    UNION ALL SELECT concat_ws(':', 'y', oid, typname) FROM pg_type
        WHERE typnamespace = 'public'::regnamespace
    UNION ALL SELECT concat_ws(':', 'e', oid, enumlabel) FROM pg_enum
    UNION ALL SELECT concat_ws(':', 'n', oid, nspname) FROM pg_namespace
        WHERE nspname NOT LIKE 'pg\_%temp\_%'  -- a session's temporary tables come and go
    UNION ALL SELECT 'm:' || m::text FROM schema_migrations m  -- kept rows: edited by a test?
    UNION ALL SELECT concat_ws(':', 's', setdatabase, setrole, setconfig) FROM pg_db_role_setting
        WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
) fingerprint
"""
SEQUENCES = "SELECT schemaname || '.' || sequencename AS name, last_value FROM pg_sequences"
# Rows out of every table (the template holds only its migrations' list), as superuser with
# triggers and foreign keys off (so in any order, and the dashboard's counters are not fed).
# Tables a test filled with thousands of rows are truncated instead: no dead rows left behind.
EMPTY = """
DO $$
DECLARE t regclass; n bigint; big text[] := '{}';
BEGIN
    SET LOCAL session_replication_role = replica;
    FOR t IN SELECT c.oid FROM pg_class c
             WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
               AND NOT c.relispartition AND c.relname <> 'schema_migrations'
    LOOP
        EXECUTE format('DELETE FROM %s', t);
        GET DIAGNOSTICS n = ROW_COUNT;
        IF n > 2000 THEN big := big || t::text; END IF;
    END LOOP;
    IF cardinality(big) > 0 THEN
        EXECUTE 'TRUNCATE ' || array_to_string(big, ', ') || ' CASCADE';  -- all empty by now
    END IF;
END $$
"""
SET_SEQUENCE = "SELECT setval($1::regclass, coalesce($2, s.seqstart), $2 IS NOT NULL) FROM " \
    "pg_sequence s WHERE s.seqrelid = $1::regclass"  # fmt: skip
TERMINATE = (
    "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
    "WHERE datname = $1 AND pid <> pg_backend_pid()"
)


class SpareDatabases:
    """`take()` a database for a test, `give_back(name)` after it; one background thread empties
    the database given back (or clones a fresh one) while pytest moves to the next test."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.template = asyncio.run(ensure_template(admin_url))
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-db")
        self._next: Future[str] | None = self._thread.submit(asyncio.run, self._clone())
        self._fingerprint: str | None = None
        self._sequences: list[tuple[str, int | None]] = []

    def take(self) -> str:
        ready = self._next or self._thread.submit(asyncio.run, self._clone())
        self._next = None
        return ready.result()

    def give_back(self, name: str) -> None:
        self._next = self._thread.submit(asyncio.run, self._recycle(name))

    def close(self) -> None:
        if self._next is not None:
            name = self._next.result()
            self._thread.submit(asyncio.run, drop_database(self.admin_url, name))
        self._thread.shutdown(wait=True)

    async def _clone(self) -> str:
        name = await create_test_database(self.admin_url, self.template)
        if self._fingerprint is None:  # the template's own, read from its first clone
            conn = await asyncpg.connect(with_database(self.admin_url, name))
            try:
                self._fingerprint = await conn.fetchval(FINGERPRINT)
                rows = await conn.fetch(SEQUENCES)
                self._sequences = [(r["name"], r["last_value"]) for r in rows]
            finally:
                await conn.close()
        return name

    async def _recycle(self, name: str) -> str:
        """The database emptied under a new name; a fresh clone if it cannot be made as new."""
        admin = await asyncpg.connect(self.admin_url)
        try:
            await admin.execute(TERMINATE, name)
            if await self._empty(name):
                fresh = f"chotdon_test_{uuid.uuid4().hex[:12]}"
                await admin.execute(f'ALTER DATABASE "{name}" RENAME TO "{fresh}"')
                return fresh
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
            pass  # someone reconnected before the rename, or worse: start over from the template
        finally:
            await admin.close()
        await drop_database(self.admin_url, name)
        return await self._clone()

    async def _empty(self, name: str) -> bool:
        conn = await asyncpg.connect(with_database(self.admin_url, name))
        try:
            if await conn.fetchval(FINGERPRINT) != self._fingerprint:
                return False
            await conn.execute(EMPTY)
            for sequence, last_value in self._sequences:
                await conn.fetchval(SET_SEQUENCE, sequence, last_value)
            return True
        finally:
            await conn.close()
