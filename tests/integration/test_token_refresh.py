"""Zalo OA / TikTok shop token refresh: single-use refresh tokens saved at once, never twice."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestServer
from pydantic import SecretStr
from structlog.testing import capture_logs

from aggregator.credentials.cipher import open_json
from aggregator.credentials.keyring import credential_cipher
from aggregator.platforms.token_refresh import CLAIM_LEASE_S, Refreshed, refresh_channel
from aggregator.settings import Settings
from connectors.simulators.zalo import ZaloState, create_app
from connectors.tokens import TokenPair
from schema.enums import Platform
from tests.support.factories import seed_shop
from tests.support.platforms import ZALO_APP_ID, ZALO_OA_SECRET, add_channel, platform_settings
from workers.context import PG_POOL, SETTINGS
from workers.token_jobs import platform_token_refresh_job, zalo_refresher


@dataclass(frozen=True)
class ZaloRig:
    state: ZaloState
    settings: Settings
    channel_id: int
    access: str
    refresh: str


@contextlib.asynccontextmanager
async def zalo_rig(settings: Settings, db: asyncpg.Connection) -> AsyncIterator[ZaloRig]:
    state = ZaloState(ZALO_APP_ID, ZALO_OA_SECRET)
    server = TestServer(create_app(state))
    await server.start_server()
    try:
        configured = platform_settings(
            settings, zalo_oauth_url=str(server.make_url("")),
            zalo_app_secret=SecretStr(state.app_secret),
        )  # fmt: skip
        shop = await seed_shop(db)
        channel_id, oa_id = await add_channel(
            db, configured, shop.tenant_id, Platform.ZALO, {}, external_id="oa-refresh-1",
            channel_settings={"token_expires_at": int(time.time()) + 600},
        )  # fmt: skip
        access, refresh = state.issue_tokens(oa_id)
        sealed = credential_cipher(configured, Platform.ZALO).encrypt(
            f'{{"access_token": "{access}", "refresh_token": "{refresh}"}}'
        )
        await db.execute(
            "UPDATE channels SET credentials_encrypted = $2 WHERE id = $1", channel_id, sealed
        )
        yield ZaloRig(state, configured, channel_id, access, refresh)
    finally:
        await server.close()


async def stored(db: asyncpg.Connection, rig: ZaloRig) -> tuple[dict[str, str], asyncpg.Record]:
    row = await db.fetchrow(
        "SELECT status, status_reason, settings, credentials_encrypted FROM channels WHERE id = $1",
        rig.channel_id,
    )
    assert row is not None
    sealer = credential_cipher(rig.settings, Platform.ZALO)
    return open_json(sealer, row["credentials_encrypted"]), row


async def test_the_cron_job_refreshes_a_due_oa_and_stores_the_new_pair_sealed(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    async with zalo_rig(settings, db) as rig:
        ctx = {SETTINGS: rig.settings, PG_POOL: pool}
        with capture_logs() as logs:
            assert await platform_token_refresh_job(ctx) == {"zalo.refreshed": 1}
        credentials, row = await stored(db, rig)
        assert credentials["refresh_token"] != rig.refresh
        assert rig.state.refresh_tokens == {credentials["refresh_token"]: "oa-refresh-1"}
        assert credentials["access_token"] in rig.state.tokens
        assert rig.refresh.encode() not in row["credentials_encrypted"]  # sealed, not plain
        assert row["settings"]["token_expires_at"] >= int(time.time()) + 89_000
        assert "token_refresh" not in row["settings"]
        # fresh now: the next run makes no call
        assert await platform_token_refresh_job(ctx) == {}
    assert rig.state.token_calls == 1
    text = repr(logs)
    assert rig.refresh not in text and credentials["refresh_token"] not in text
    assert credentials["access_token"] not in text


async def test_a_crash_after_zalo_answered_loses_the_pair_and_disconnects_the_oa_with_a_reason(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    """Documented consequence: the window between Zalo's answer and our save is not recoverable.

    The claim was committed before the call, so the next run knows a refresh was interrupted; the
    old refresh token is refused as used, and staff see why the OA was disconnected.
    """
    async with zalo_rig(settings, db) as rig, aiohttp.ClientSession() as http:
        real = zalo_refresher(http, rig.settings)
        assert real is not None

        async def crash_after_answer(refresh_token: str) -> TokenPair:
            await real(refresh_token)
            raise RuntimeError("worker killed between the token call and the save")

        sealer, now = credential_cipher(rig.settings, Platform.ZALO), int(time.time())
        with pytest.raises(RuntimeError):
            await refresh_channel(
                pool, sealer, Platform.ZALO, rig.channel_id, crash_after_answer, now=now
            )
        credentials, row = await stored(db, rig)
        assert credentials["refresh_token"] == rig.refresh  # the old one, already spent
        assert row["settings"]["token_refresh"] == {"started_at": now}
        assert row["status"] == "active"
        # within the lease another worker does not touch it (the first may still be saving)
        assert (
            await refresh_channel(pool, sealer, Platform.ZALO, rig.channel_id, real, now=now + 1)
            == Refreshed.BUSY
        )
        later = now + CLAIM_LEASE_S + 1
        assert (
            await refresh_channel(pool, sealer, Platform.ZALO, rig.channel_id, real, now=later)
            == Refreshed.DISCONNECTED
        )
    _, row = await stored(db, rig)
    assert row["status"] == "disconnected"
    assert "refresh was interrupted" in row["status_reason"]
    assert "reconnect the channel" in row["status_reason"]
    assert rig.state.token_calls == 2


async def test_two_workers_refreshing_at_once_make_one_call(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    async with zalo_rig(settings, db) as rig, aiohttp.ClientSession() as http:
        real = zalo_refresher(http, rig.settings)
        assert real is not None

        async def slow(refresh_token: str) -> TokenPair:
            await asyncio.sleep(0.2)  # the other worker arrives while this call is in flight
            return await real(refresh_token)

        sealer, now = credential_cipher(rig.settings, Platform.ZALO), int(time.time())
        results = await asyncio.gather(
            *(
                refresh_channel(pool, sealer, Platform.ZALO, rig.channel_id, slow, now=now)
                for _ in range(2)
            )
        )
        assert sorted(results) == sorted([Refreshed.REFRESHED, Refreshed.BUSY])
    assert rig.state.token_calls == 1
    credentials, row = await stored(db, rig)
    assert rig.state.refresh_tokens == {credentials["refresh_token"]: "oa-refresh-1"}
    assert row["status"] == "active"


async def test_an_unreachable_token_endpoint_keeps_the_unspent_token_for_the_next_run(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    async with zalo_rig(settings, db) as rig, aiohttp.ClientSession() as http:
        down = rig.settings.model_copy(update={"zalo_oauth_url": "http://127.0.0.1:9"})
        dead, real = zalo_refresher(http, down), zalo_refresher(http, rig.settings)
        assert dead is not None and real is not None
        sealer, now = credential_cipher(rig.settings, Platform.ZALO), int(time.time())
        assert (
            await refresh_channel(pool, sealer, Platform.ZALO, rig.channel_id, dead, now=now)
            == Refreshed.RETRY
        )
        credentials, row = await stored(db, rig)
        assert credentials["refresh_token"] == rig.refresh
        assert "token_refresh" not in row["settings"]
        assert (
            await refresh_channel(pool, sealer, Platform.ZALO, rig.channel_id, real, now=now)
            == Refreshed.REFRESHED
        )
    assert rig.state.token_calls == 1
