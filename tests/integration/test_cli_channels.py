"""`chotdon channel add|list`: credentials sealed per purpose, never echoed nor listed."""

from __future__ import annotations

import asyncio

import asyncpg
import orjson

from aggregator.credentials.cipher import open_json
from aggregator.credentials.keyring import credential_cipher
from aggregator.settings import Settings
from schema.enums import Platform
from tests.support.factories import seed_shop
from tests.support.platforms import CHOTDON_SECRET, platform_settings
from tests.support.processes import cli_env, run_cli

RELAY_SECRET = "relay-secret-9f3a7c"
TIKTOK_TOKENS = '{"access_token": "tts-at-5b1d", "refresh_token": "tts-rt-77e0"}'


async def test_add_and_list_channels_without_showing_a_secret(
    settings: Settings, db: asyncpg.Connection, database_url: str, redis_url: str
) -> None:
    shop = await seed_shop(db)
    slug = await db.fetchval("SELECT slug FROM tenants WHERE id = $1", shop.tenant_id)
    env = cli_env(
        DATABASE_URL=database_url, REDIS_URL=redis_url, CHOTDON_APP_SECRET=CHOTDON_SECRET,
        RELAY_SECRET=RELAY_SECRET, TIKTOK_TOKENS=TIKTOK_TOKENS,
    )  # fmt: skip
    base = ("channel", "add", "--tenant", slug)
    relay = await asyncio.to_thread(
        run_cli, *base, "--platform", "relay", "--external-id", "sheet-1", "--name", "Bảng tính",
        "--secret-from-env", "RELAY_SECRET", env=env,
    )  # fmt: skip
    tiktok = await asyncio.to_thread(
        run_cli, *base, "--platform", "tiktok", "--external-id", "7495000000000000009",
        "--name", "TikTok Shop HTX", "--secret-from-env", "TIKTOK_TOKENS",
        "--setting", "shop_cipher=GCP_abc", env=env,
    )  # fmt: skip
    listed = await asyncio.to_thread(run_cli, "channel", "list", "--tenant", slug, env=env)
    for result in (relay, tiktok, listed):
        assert result.returncode == 0, result.stderr
        for secret in (RELAY_SECRET, "tts-at-5b1d", "tts-rt-77e0"):
            assert secret not in result.stdout + result.stderr
    rows = {r["external_id"]: r for r in map(orjson.loads, listed.stdout.splitlines())}
    assert rows["sheet-1"]["has_credentials"] is True
    assert "credentials_encrypted" not in rows["sheet-1"]
    configured = platform_settings(settings)
    sealed = await db.fetchval(
        "SELECT credentials_encrypted FROM channels WHERE external_id = 'sheet-1'"
    )
    assert RELAY_SECRET.encode() not in sealed
    assert credential_cipher(configured, Platform.RELAY).decrypt(sealed) == RELAY_SECRET
    row = await db.fetchrow(
        "SELECT credentials_encrypted, settings FROM channels WHERE platform = 'tiktok'"
    )
    sealer = credential_cipher(configured, Platform.TIKTOK)
    assert open_json(sealer, row["credentials_encrypted"]) == {
        "access_token": "tts-at-5b1d", "refresh_token": "tts-rt-77e0",
    }  # fmt: skip
    assert row["settings"]["shop_cipher"] == "GCP_abc"


async def test_a_missing_secret_variable_is_one_clear_line(
    db: asyncpg.Connection, database_url: str, redis_url: str
) -> None:
    shop = await seed_shop(db)
    slug = await db.fetchval("SELECT slug FROM tenants WHERE id = $1", shop.tenant_id)
    env = cli_env(DATABASE_URL=database_url, REDIS_URL=redis_url, CHOTDON_APP_SECRET=CHOTDON_SECRET)
    result = await asyncio.to_thread(
        run_cli, "channel", "add", "--tenant", slug, "--platform", "zalo", "--external-id", "oa1",
        "--name", "OA", "--secret-from-env", "NOT_SET_ANYWHERE", env=env,
    )  # fmt: skip
    assert result.returncode == 1
    assert "NOT_SET_ANYWHERE is not set" in result.stderr
    assert "Traceback" not in result.stderr
    assert await db.fetchval("SELECT count(*) FROM channels WHERE platform = 'zalo'") == 0


def test_login_apps_prints_the_redirect_urls_to_register() -> None:
    env = cli_env(CHOTDON_PUBLIC_URL="https://chotdon.htx.vn", CHOTDON_ZALO_APP_ID="42",
                  CHOTDON_ZALO_APP_SECRET="zalo-app-secret-1")  # fmt: skip
    result = run_cli("channel", "login-apps", env=env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "zalo: https://chotdon.htx.vn/cai-dat/kenh/zalo/ve  [ready]" in lines
    assert any(
        line.startswith("facebook: https://chotdon.htx.vn/cai-dat/kenh/facebook/ve  [not set")
        for line in lines
    )
    assert "zalo-app-secret-1" not in result.stdout
