"""`chotdon staff add`: the password comes from an environment variable and is stored hashed."""

from __future__ import annotations

import asyncio

import asyncpg
from argon2 import PasswordHasher

from aggregator.settings import Settings
from tests.support.factories import seed_shop
from tests.support.processes import cli_env, run_cli

SECRET_PASSWORD = "mat-khau-cua-chi-Lan-77"


async def test_staff_add_hashes_the_password_and_never_echoes_it(
    settings: Settings, db: asyncpg.Connection, database_url: str, redis_url: str
) -> None:
    shop = await seed_shop(db)
    slug = await db.fetchval("SELECT slug FROM tenants WHERE id = $1", shop.tenant_id)
    env = cli_env(DATABASE_URL=database_url, REDIS_URL=redis_url, LAN_PASSWORD=SECRET_PASSWORD)
    base = ("staff", "add", "--tenant", slug, "--login", "lan")
    added = await asyncio.to_thread(
        run_cli, *base, "--role", "packer", "--password-from-env", "LAN_PASSWORD", env=env
    )
    assert added.returncode == 0, added.stderr
    assert SECRET_PASSWORD not in added.stdout + added.stderr
    row = await db.fetchrow("SELECT tenant_id, role, password_hash FROM staff WHERE login = 'lan'")
    assert row["tenant_id"] == shop.tenant_id and row["role"] == "packer"
    assert row["password_hash"].startswith("$argon2id$")
    assert PasswordHasher().verify(row["password_hash"], SECRET_PASSWORD)
    taken = await asyncio.to_thread(
        run_cli, *base, "--role", "staff", "--password-from-env", "LAN_PASSWORD", env=env
    )
    bad_role = await asyncio.to_thread(
        run_cli, "staff", "add", "--tenant", slug, "--login", "hoa", "--role", "boss",
        "--password-from-env", "LAN_PASSWORD", env=env,
    )  # fmt: skip
    no_env = await asyncio.to_thread(
        run_cli, "staff", "add", "--tenant", slug, "--login", "hoa", "--role", "staff",
        "--password-from-env", "NOT_SET_ANYWHERE", env=env,
    )  # fmt: skip
    for refused, words in ((taken, "taken"), (bad_role, "--role"), (no_env, "NOT_SET_ANYWHERE")):
        assert refused.returncode == 1 and words in refused.stderr, refused.stderr
    assert await db.fetchval("SELECT count(*) FROM staff") == 1
