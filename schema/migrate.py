"""Apply the numbered SQL migrations in schema/migrations/, once each, in order.

Two processes that migrate at once queue on an advisory lock; each migration runs in its own
transaction together with the row that records it, so a crash leaves either all of it or none.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources

import asyncpg

from schema.errors import DatabaseTooNewError, MigrationChangedError, MigrationError

# Arbitrary but fixed: the advisory lock every chotdon process takes to migrate.
MIGRATION_LOCK_KEY = 0x63686F74646F6E  # "chotdon"
_FILE_NAME = re.compile(r"^(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.sql$")

_CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class MigrationReport:
    applied: tuple[int, ...]
    current_version: int


def load_migrations() -> list[Migration]:
    """The migrations shipped with this version of chotdon, in order."""
    found: list[Migration] = []
    for entry in resources.files("schema").joinpath("migrations").iterdir():
        match = _FILE_NAME.match(entry.name)
        if match is None:
            continue
        found.append(
            Migration(int(match["version"]), match["name"], entry.read_text(encoding="utf-8"))
        )
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migrations share a number: {versions}")
    return found


async def applied_versions(conn: asyncpg.Connection) -> dict[int, str]:
    """Version -> checksum of what the database has already applied."""
    exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    if not exists:
        return {}
    rows = await conn.fetch("SELECT version, checksum FROM schema_migrations")
    return {int(r["version"]): str(r["checksum"]) for r in rows}


def pending_migrations(known: list[Migration], applied: dict[int, str]) -> list[Migration]:
    """What is left to apply; refuses a database ahead of us or an edited migration."""
    newest_known = known[-1].version if known else 0
    if applied and max(applied) > newest_known:
        raise DatabaseTooNewError(
            f"database is at schema version {max(applied)}, this chotdon knows up to "
            f"{newest_known}: upgrade chotdon instead of migrating"
        )
    for migration in known:
        checksum = applied.get(migration.version)
        if checksum is not None and checksum != migration.checksum:
            raise MigrationChangedError(
                f"migration {migration.version:04d}_{migration.name} was edited after it was "
                "applied; add a new migration instead"
            )
    return [m for m in known if m.version not in applied]


async def migrate(conn: asyncpg.Connection) -> MigrationReport:
    """Bring the database up to the newest schema. Safe to run concurrently and repeatedly."""
    known = load_migrations()
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
    try:
        await conn.execute(_CREATE_LEDGER)
        todo = pending_migrations(known, await applied_versions(conn))
        for migration in todo:
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
    current = known[-1].version if known else 0
    return MigrationReport(applied=tuple(m.version for m in todo), current_version=current)
