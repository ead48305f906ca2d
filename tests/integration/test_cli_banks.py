"""`chotdon bank connect|list`: a cooperative's account per provider, its secret sealed under the
banks' own purpose, never echoed nor listed, re-sealed by `rotate-keys`; one account belongs to one
cooperative."""

from __future__ import annotations

import asyncio

import asyncpg
import orjson
import pytest
from pydantic import SecretStr

from aggregator.credentials.keyring import bank_cipher, credential_cipher
from aggregator.settings import Settings
from connectors.errors import CredentialsError
from schema.enums import Platform
from tests.support.factories import seed_shop
from tests.support.processes import cli_env, run_cli

SEPAY_KEY = "sepay-api-key-Q7x2-never-shown"
OLD_KEY = "old-credential-key-0123456789abcdef"
NEW_KEY = "new-credential-key-fedcba9876543210"


def _keys(settings: Settings, *keys: str) -> Settings:
    return settings.model_copy(update={"credential_keys": SecretStr(",".join(keys))})


async def test_connect_list_and_rotate_a_bank_secret_without_showing_it(
    settings: Settings, db: asyncpg.Connection, database_url: str, redis_url: str
) -> None:
    shop, other = await seed_shop(db), await seed_shop(db, slug="htx-nghe-an")
    slug = "SELECT slug FROM tenants WHERE id = $1"
    mine, theirs = await db.fetchval(slug, shop.tenant_id), await db.fetchval(slug, other.tenant_id)
    base = dict(DATABASE_URL=database_url, REDIS_URL=redis_url, SEPAY_KEY=SEPAY_KEY)
    env = cli_env(**base, CHOTDON_CREDENTIAL_KEYS=OLD_KEY)
    connect = ("bank", "connect", "--provider", "sepay", "--secret-from-env", "SEPAY_KEY")
    added = await asyncio.to_thread(
        run_cli, *connect, "--tenant", mine, "--account", "0011 0012 34567", env=env
    )
    listed = await asyncio.to_thread(run_cli, "bank", "list", "--tenant", mine, env=env)
    taken = await asyncio.to_thread(
        run_cli, *connect, "--tenant", theirs, "--account", "0011001234567", env=env
    )
    wrong = await asyncio.to_thread(
        run_cli, *connect[:3], "momo", *connect[4:], "--tenant", mine, "--account", "1", env=env
    )
    rotated = await asyncio.to_thread(
        run_cli, "rotate-keys", env=cli_env(**base, CHOTDON_CREDENTIAL_KEYS=f"{NEW_KEY},{OLD_KEY}")
    )
    for result in (added, listed, taken, wrong, rotated):
        assert SEPAY_KEY not in result.stdout + result.stderr
        assert "Traceback" not in result.stderr
    assert added.returncode == 0, added.stderr
    assert "/webhooks/payments/sepay" in added.stdout
    [row] = [orjson.loads(line) for line in listed.stdout.splitlines()]
    assert (row["provider"], row["account_number"], row["status"]) == (
        "sepay", "0011001234567", "active",
    )  # fmt: skip
    assert not any("secret" in key for key in row)
    assert taken.returncode == 1 and "connected to another cooperative" in taken.stderr
    assert wrong.returncode == 1 and "--provider must be sepay, casso, payos" in wrong.stderr
    assert rotated.returncode == 0, rotated.stderr
    assert "re-sealed 1 credentials" in rotated.stdout

    sealed = await db.fetchval("SELECT secret_encrypted FROM bank_connections")
    assert SEPAY_KEY.encode() not in sealed
    assert bank_cipher(_keys(settings, NEW_KEY)).decrypt(sealed) == SEPAY_KEY
    with pytest.raises(CredentialsError):  # re-sealed: the old key alone no longer opens it
        bank_cipher(_keys(settings, OLD_KEY)).decrypt(sealed)
    with pytest.raises(CredentialsError):  # a purpose of its own, not a channel's
        credential_cipher(_keys(settings, NEW_KEY), Platform.RELAY).decrypt(sealed)
    assert await db.fetchval("SELECT tenant_id FROM bank_connections") == shop.tenant_id
