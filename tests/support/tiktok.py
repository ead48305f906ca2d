"""A running TikTok Shop simulator, a connected shop, and a ctx to run TikTok jobs in."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiohttp.test_utils import TestServer
from arq.connections import ArqRedis

from aggregator.platforms.tiktok.orders import Backoff
from aggregator.settings import Settings
from connectors.simulators.tiktok import SimShop, TikTokState, create_app
from schema.enums import Platform
from tests.support.factories import seed_shop
from tests.support.platforms import (
    TIKTOK_APP_KEY,
    TIKTOK_APP_SECRET,
    add_channel,
    platform_settings,
)
from workers.context import PG_POOL, SETTINGS
from workers.platform_jobs import BACKOFF


@dataclass(frozen=True)
class TikTokRig:
    state: TikTokState
    settings: Settings
    shop: SimShop
    channel_id: int


@contextlib.asynccontextmanager
async def tiktok_rig(
    settings: Settings, db: asyncpg.Connection, shop_id: str = "7495000000000000001"
) -> AsyncIterator[TikTokRig]:
    state = TikTokState(TIKTOK_APP_KEY, TIKTOK_APP_SECRET)
    server = TestServer(create_app(state))
    await server.start_server()
    try:
        configured = platform_settings(settings, tiktok_api_url=str(server.make_url("")))
        owner = await seed_shop(db)
        shop = state.add_shop(shop_id, "tts-access-token-1")
        channel_id, _ = await add_channel(
            db, configured, owner.tenant_id, Platform.TIKTOK,
            {"access_token": shop.token, "refresh_token": "tts-refresh-1"},
            external_id=shop.shop_id, channel_settings={"shop_cipher": shop.cipher},
        )  # fmt: skip
        yield TikTokRig(state, configured, shop, channel_id)
    finally:
        await server.close()


def job_ctx(rig: TikTokRig, pool: asyncpg.Pool, arq: ArqRedis, job_try: int = 1) -> dict[str, Any]:
    return {
        SETTINGS: rig.settings,
        PG_POOL: pool,
        "redis": arq,
        BACKOFF: Backoff(attempts=4, base_s=0.01),
        "job_try": job_try,
    }
