"""Credentials at rest: sealed under CHOTDON_CREDENTIAL_KEYS (newest seals, all open),
`chotdon rotate-keys` re-seals them under the newest key, and no run prints a token or a key."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from pydantic import SecretStr

from aggregator.credentials.cipher import TokenCipher
from aggregator.credentials.keyring import credential_cipher
from aggregator.settings import Settings
from connectors.errors import CredentialsError
from schema.enums import Platform
from tests.support.factories import seed_shop
from tests.support.processes import cli_env, run_cli

OLD_KEY = "old-credential-key-0123456789abcdef"
NEW_KEY = "new-credential-key-fedcba9876543210"
STRANGER_KEY = "a-key-nobody-configured-00000000000"
RELAY_SECRET = "relay-secret-Zq81-never-shown"
TIKTOK_TOKENS = '{"access_token": "tts-at-9f3c-never-shown", "refresh_token": "tts-rt-1b7a"}'
PAGE_TOKEN = "EAAG-page-token-never-shown-4471"
SECRETS = (RELAY_SECRET, "tts-at-9f3c-never-shown", "tts-rt-1b7a", PAGE_TOKEN, OLD_KEY, NEW_KEY)


def _keys(settings: Settings, *keys: str) -> Settings:
    return settings.model_copy(update={"credential_keys": SecretStr(",".join(keys))})


def test_the_newest_key_seals_and_every_listed_key_opens() -> None:
    old = TokenCipher(OLD_KEY.encode(), b"purpose")
    both = TokenCipher([NEW_KEY.encode(), OLD_KEY.encode()], b"purpose")
    new_only = TokenCipher([NEW_KEY.encode()], b"purpose")
    sealed_old = old.encrypt("token-1")
    assert both.decrypt(sealed_old) == "token-1"
    with pytest.raises(CredentialsError):
        new_only.decrypt(sealed_old)
    sealed_now = both.encrypt("token-2")
    assert new_only.decrypt(sealed_now) == "token-2"
    with pytest.raises(CredentialsError):
        old.decrypt(sealed_now)
    assert new_only.decrypt(both.rotate(sealed_old)) == "token-1"
    other_purpose = TokenCipher([NEW_KEY.encode()], b"another purpose")
    with pytest.raises(CredentialsError):
        other_purpose.decrypt(sealed_now)


async def test_rotate_keys_reseals_every_credential_and_prints_no_secret(
    settings: Settings, db: asyncpg.Connection, database_url: str, redis_url: str
) -> None:
    shop = await seed_shop(db)
    slug = await db.fetchval("SELECT slug FROM tenants WHERE id = $1", shop.tenant_id)
    base_env = dict(
        DATABASE_URL=database_url, REDIS_URL=redis_url, CHOTDON_LOG_LEVEL="debug",
        RELAY_SECRET=RELAY_SECRET, TIKTOK_TOKENS=TIKTOK_TOKENS, PAGE_TOKEN=PAGE_TOKEN,
    )  # fmt: skip
    old_env = cli_env(**base_env, CHOTDON_CREDENTIAL_KEYS=OLD_KEY)
    outputs = []
    for platform, external_id, variable in (
        ("relay", "sheet-1", "RELAY_SECRET"),
        ("tiktok", "7495000000000000001", "TIKTOK_TOKENS"),
        ("zalo", "oa-1", "PAGE_TOKEN"),
    ):
        added = await asyncio.to_thread(
            run_cli, "channel", "add", "--tenant", slug, "--platform", platform,
            "--external-id", external_id, "--name", "Kênh", "--secret-from-env", variable,
            env=old_env,
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        outputs.append(added.stdout + added.stderr)
    page = credential_cipher(_keys(settings, OLD_KEY), Platform.FACEBOOK).encrypt(PAGE_TOKEN)
    await db.execute(
        "UPDATE channels SET credentials_encrypted = $1 WHERE id = $2", page, shop.channel_id
    )
    before = dict(await db.fetch("SELECT id, credentials_encrypted FROM channels"))

    rotated = await asyncio.to_thread(
        run_cli,
        "rotate-keys",
        env=cli_env(**base_env, CHOTDON_CREDENTIAL_KEYS=f"{NEW_KEY},{OLD_KEY}"),
    )
    assert rotated.returncode == 0, rotated.stderr
    assert "re-sealed 4 credentials" in rotated.stdout
    outputs.append(rotated.stdout + rotated.stderr)
    for output in outputs:
        for secret in SECRETS:
            assert secret not in output

    new_only = _keys(settings, NEW_KEY)
    rows = await db.fetch("SELECT id, platform, credentials_encrypted FROM channels ORDER BY id")
    opened = {
        r["platform"]: credential_cipher(new_only, Platform(r["platform"])).decrypt(
            r["credentials_encrypted"]
        )
        for r in rows
    }
    assert opened["relay"] == RELAY_SECRET and opened["facebook"] == PAGE_TOKEN
    assert "tts-at-9f3c-never-shown" in opened["tiktok"] and PAGE_TOKEN in opened["zalo"]
    for row in rows:
        assert row["credentials_encrypted"] != before[row["id"]]
        with pytest.raises(CredentialsError):
            credential_cipher(_keys(settings, OLD_KEY), Platform(row["platform"])).decrypt(
                row["credentials_encrypted"]
            )


async def test_rotate_keys_names_credentials_no_key_opens_and_fails(
    settings: Settings, db: asyncpg.Connection, database_url: str, redis_url: str
) -> None:
    shop = await seed_shop(db)
    stranger = credential_cipher(_keys(settings, STRANGER_KEY), Platform.FACEBOOK)
    sealed = stranger.encrypt(PAGE_TOKEN)
    await db.execute(
        "UPDATE channels SET credentials_encrypted = $1 WHERE id = $2", sealed, shop.channel_id
    )
    env = cli_env(DATABASE_URL=database_url, REDIS_URL=redis_url, CHOTDON_CREDENTIAL_KEYS=NEW_KEY)
    result = await asyncio.to_thread(run_cli, "rotate-keys", env=env)
    assert result.returncode == 1
    assert f"channels {shop.channel_id}" in result.stderr
    assert (
        await db.fetchval(
            "SELECT credentials_encrypted FROM channels WHERE id = $1", shop.channel_id
        )
        == sealed
    )  # left as it was, for an operator with the right key
