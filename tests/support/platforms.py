"""TikTok Shop, Zalo OA and relay test helpers: settings, channels with sealed credentials."""

from __future__ import annotations

import itertools
from typing import Any

import asyncpg
from pydantic import SecretStr

from aggregator.credentials.cipher import seal_json
from aggregator.credentials.keyring import credential_cipher
from aggregator.settings import Settings
from schema.enums import Platform
from tests.support.facebook import CHOTDON_SECRET

RELAY_SECRET = "relay-channel-secret-for-tests"
TIKTOK_APP_KEY = "tts-app-key"
TIKTOK_APP_SECRET = "tts-app-secret-for-tests"
ZALO_APP_ID = "zalo-app-1"
ZALO_OA_SECRET = "zalo-oa-secret-for-tests"
_counter = itertools.count(1)


def platform_settings(settings: Settings, **extra: Any) -> Settings:
    return settings.model_copy(
        update={
            "app_secret": SecretStr(CHOTDON_SECRET),
            "tiktok_app_key": TIKTOK_APP_KEY,
            "tiktok_app_secret": SecretStr(TIKTOK_APP_SECRET),
            "zalo_app_id": ZALO_APP_ID,
            "zalo_oa_secret_key": SecretStr(ZALO_OA_SECRET),
            **extra,
        }
    )


async def add_channel(
    db: asyncpg.Connection,
    settings: Settings,
    tenant_id: int,
    platform: Platform,
    credentials: str | dict[str, Any],
    *,
    external_id: str | None = None,
    channel_settings: dict[str, Any] | None = None,
) -> tuple[int, str]:
    """A channel of `platform` with sealed credentials; returns (channel id, external id)."""
    external_id = external_id or f"{platform.value}{next(_counter)}"
    sealer = credential_cipher(platform_settings(settings), platform)
    sealed = (
        sealer.encrypt(credentials)
        if isinstance(credentials, str)
        else seal_json(sealer, credentials)
    )
    channel_id = await db.fetchval(
        "INSERT INTO channels (tenant_id, platform, external_id, name, credentials_encrypted, "
        "settings) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        tenant_id, platform.value, external_id, f"Kênh {platform.value}", sealed,
        channel_settings or {},
    )  # fmt: skip
    return channel_id, external_id


async def add_live(db: asyncpg.Connection, tenant_id: int, channel_id: int) -> int:
    """A live on air on the channel (relay and Zalo sources join it without a live id)."""
    session_id: int = await db.fetchval(
        "INSERT INTO live_sessions (tenant_id, channel_id, external_live_id, title, started_at) "
        "VALUES ($1, $2, $3, 'Live tối', now() - interval '1 minute') RETURNING id",
        tenant_id,
        channel_id,
        f"live-{channel_id}",
    )
    return session_id


async def delivery_counts(db: asyncpg.Connection, source: str) -> dict[str, int]:
    rows = await db.fetch(
        "SELECT status, count(*) AS n FROM webhook_deliveries WHERE source = $1 GROUP BY status",
        source,
    )
    return {r["status"]: r["n"] for r in rows}
