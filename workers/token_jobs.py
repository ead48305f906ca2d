"""Cron: refresh Zalo OA and TikTok shop access tokens before they expire.

The rules (claim under a row lock, save the answer at once, what a crash costs) live in
aggregator/platforms/token_refresh.py; this job only builds the platform's token call.
"""

from __future__ import annotations

import functools
import time
from typing import Any

import aiohttp
import structlog

from aggregator.credentials.keyring import credential_cipher
from aggregator.platforms.token_refresh import Refresher, refresh_due
from aggregator.settings import Settings
from connectors.tiktok.auth import refresh_shop_token
from connectors.tokens import TokenPair
from connectors.zalo.oauth import refresh_oa_token
from schema.enums import Platform
from schema.queries import query
from workers.context import PG_POOL, SETTINGS

log = structlog.get_logger()


def zalo_refresher(http: aiohttp.ClientSession, settings: Settings) -> Refresher | None:
    if settings.zalo_app_secret is None or not settings.zalo_app_id:
        return None
    call = functools.partial(
        refresh_oa_token, http, settings.zalo_oauth_url, settings.zalo_app_id,
        settings.zalo_app_secret.get_secret_value(),
    )  # fmt: skip

    async def refresher(refresh_token: str) -> TokenPair:
        return await call(refresh_token)

    return refresher


def tiktok_refresher(http: aiohttp.ClientSession, settings: Settings) -> Refresher | None:
    if settings.tiktok_app_secret is None or not settings.tiktok_app_key:
        return None
    call = functools.partial(
        refresh_shop_token, http, settings.tiktok_auth_url, settings.tiktok_app_key,
        settings.tiktok_app_secret.get_secret_value(),
    )  # fmt: skip

    async def refresher(refresh_token: str) -> TokenPair:
        return await call(refresh_token)

    return refresher


async def platform_token_refresh_job(ctx: dict[str, Any]) -> dict[str, int]:
    """Refresh every due channel; returns how many ended how, per platform."""
    settings: Settings = ctx[SETTINGS]
    done: dict[str, int] = {}
    async with aiohttp.ClientSession() as http:
        builders = {Platform.ZALO: zalo_refresher, Platform.TIKTOK: tiktok_refresher}
        for platform, build in builders.items():
            refresher = build(http, settings)
            if refresher is None:
                continue
            sealer = credential_cipher(settings, platform)
            counts = await refresh_due(ctx[PG_POOL], sealer, platform, refresher, int(time.time()))
            done.update({f"{platform.value}.{k.value}": n for k, n in counts.items()})
    log.info("platform.token_refresh_run", **done)
    return done


async def expire_channel_logins_job(ctx: dict[str, Any]) -> int:
    """Logins at a platform left half-way (the director never came back) lose what they sealed:
    Zalo's PKCE verifier, the Facebook Pages offered with their tokens. Every cooperative's."""
    done = await ctx[PG_POOL].execute(query("expire_channel_logins"))
    count = int(done.split()[-1]) if done else 0
    if count:
        log.info("channel_login.expired", count=count)
    return count
