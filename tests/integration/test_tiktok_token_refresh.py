"""TikTok Shop token refresh: before expiry, sealed, one call even when two workers try."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import asyncpg
from arq.connections import ArqRedis
from structlog.testing import capture_logs

from aggregator.credentials.cipher import open_json
from aggregator.credentials.keyring import credential_cipher
from aggregator.platforms.token_refresh import Refreshed, refresh_channel
from aggregator.settings import Settings
from connectors.tokens import TokenPair
from schema.enums import Platform
from tests.support.tiktok import TikTokRig, job_ctx, tiktok_rig
from workers.context import SETTINGS
from workers.platform_jobs import tiktok_sync_shop_job
from workers.token_jobs import platform_token_refresh_job, tiktok_refresher


def with_auth(rig: TikTokRig) -> Settings:
    rig.state.refresh_tokens["tts-refresh-1"] = rig.shop.cipher
    return rig.settings.model_copy(update={"tiktok_auth_url": rig.settings.tiktok_api_url})


async def stored(db: asyncpg.Connection, rig: TikTokRig) -> tuple[dict[str, str], asyncpg.Record]:
    row = await db.fetchrow(
        "SELECT status, status_reason, settings, credentials_encrypted FROM channels WHERE id = $1",
        rig.channel_id,
    )
    assert row is not None
    sealer = credential_cipher(rig.settings, Platform.TIKTOK)
    return open_json(sealer, row["credentials_encrypted"]), row


async def test_a_due_shop_is_refreshed_sealed_and_the_new_token_works(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    async with tiktok_rig(settings, db) as rig:
        ctx = job_ctx(rig, pool, arq_pool)
        ctx_auth = {**ctx, SETTINGS: with_auth(rig)}
        with capture_logs() as logs:
            assert await platform_token_refresh_job(ctx_auth) == {"tiktok.refreshed": 1}
        credentials, row = await stored(db, rig)
        assert credentials["access_token"] == rig.shop.token != "tts-access-token-1"
        assert rig.state.refresh_tokens == {credentials["refresh_token"]: rig.shop.cipher}
        assert credentials["refresh_token"].encode() not in row["credentials_encrypted"]
        assert row["settings"]["token_expires_at"] > int(time.time()) + 6 * 86_400
        assert row["settings"]["shop_cipher"] == rig.shop.cipher  # other settings kept
        assert await platform_token_refresh_job(ctx_auth) == {}  # fresh: no second call
        assert await tiktok_sync_shop_job(ctx, rig.channel_id) == 0  # the API takes the new token
        _, row = await stored(db, rig)
        assert row["status"] == "active"
    assert rig.state.token_calls == 1
    assert credentials["refresh_token"] not in repr(logs)
    assert credentials["access_token"] not in repr(logs)


async def test_two_workers_make_one_call_and_a_refused_refresh_token_disconnects_the_shop(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    async with tiktok_rig(settings, db) as rig, aiohttp.ClientSession() as http:
        real = tiktok_refresher(http, with_auth(rig))
        assert real is not None

        async def slow(refresh_token: str) -> TokenPair:
            await asyncio.sleep(0.2)
            return await real(refresh_token)

        sealer, now = credential_cipher(rig.settings, Platform.TIKTOK), int(time.time())
        results = await asyncio.gather(
            *(
                refresh_channel(pool, sealer, Platform.TIKTOK, rig.channel_id, slow, now=now)
                for _ in range(2)
            )
        )
        assert sorted(results) == sorted([Refreshed.REFRESHED, Refreshed.BUSY])
        assert rig.state.token_calls == 1
        rig.state.refresh_tokens.clear()  # revoked on TikTok's side
        forced = await refresh_channel(
            pool, sealer, Platform.TIKTOK, rig.channel_id, real, now=now, force=True
        )
        assert forced == Refreshed.DISCONNECTED
    _, row = await stored(db, rig)
    assert row["status"] == "disconnected"
    assert row["status_reason"].startswith("TikTok shop ")
    assert "refused the stored refresh token" in row["status_reason"]
    assert "token_refresh" not in row["settings"]
