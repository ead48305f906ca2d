"""Per-test Postgres databases cloned from one migrated template, on real or embedded Postgres."""

from __future__ import annotations

import hashlib
import uuid
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from schema.migrate import load_migrations, migrate


def with_database(url: str, name: str) -> str:
    """The same server URL pointing at another database (works for host and socket URLs)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def template_name() -> str:
    digest = hashlib.sha256("".join(m.checksum for m in load_migrations()).encode()).hexdigest()
    return f"chotdon_tpl_{digest[:12]}"


async def ensure_template(admin_url: str) -> str:
    """Create and migrate the template once per migration set; concurrent runs wait on a lock."""
    name = template_name()
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute("SELECT pg_advisory_lock(hashtext('chotdon-test-template'))")
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            building = f"{name}_building_{uuid.uuid4().hex[:6]}"
            await admin.execute(f'CREATE DATABASE "{building}"')
            conn = await asyncpg.connect(with_database(admin_url, building))
            try:
                await migrate(conn)
            finally:
                await conn.close()
            await admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        await admin.execute("SELECT pg_advisory_unlock(hashtext('chotdon-test-template'))")
    finally:
        await admin.close()
    return name


async def create_test_database(admin_url: str, template: str) -> str:
    name = f"chotdon_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await admin.close()
    return name


async def drop_database(admin_url: str, name: str) -> None:
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def create_empty_database(admin_url: str) -> str:
    name = f"chotdon_empty_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return name
