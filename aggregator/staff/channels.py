"""Connect and list a cooperative's channels (Facebook Page, TikTok shop, Zalo OA, relay source).

Credentials are sealed by aggregator.credentials, each platform under its own purpose (Page tokens
through connect_page, the others through connect_channel), and are never printed or logged: a
listing says only whether a channel has them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import asyncpg
import orjson
import structlog

from aggregator.channels.directory import connect_channel
from aggregator.credentials.cipher import seal_json
from aggregator.credentials.keyring import credential_cipher
from aggregator.errors import BadInputError
from aggregator.platforms.facebook.tokens import connect_page
from aggregator.runtime.db import create_pool
from aggregator.settings import Settings
from schema.enums import Platform
from schema.queries import query

log = structlog.get_logger()
CONNECTABLE = (Platform.RELAY, Platform.TIKTOK, Platform.ZALO, Platform.FACEBOOK)


@dataclass(frozen=True)
class ChannelRequest:
    tenant: str
    platform: Platform
    external_id: str
    name: str
    secret: str = field(repr=False)
    settings: dict[str, Any] = field(default_factory=dict)


def sealed_credentials(settings: Settings, platform: Platform, secret: str) -> bytes:
    """Relay: the HMAC secret. TikTok / Zalo: a JSON object of tokens, or one access token."""
    sealer = credential_cipher(settings, platform)
    if platform is Platform.RELAY:
        return sealer.encrypt(secret)
    try:
        value = orjson.loads(secret)
    except orjson.JSONDecodeError:
        value = None
    return seal_json(sealer, value if isinstance(value, dict) else {"access_token": secret})


async def _tenant_id(pool: asyncpg.Pool, slug: str) -> int:
    row = await pool.fetchrow(query("tenant_by_slug"), slug)
    if row is None:
        raise BadInputError(f"no cooperative with slug {slug!r}")
    return int(row["id"])


async def connect_for_tenant(
    pool: asyncpg.Pool,
    settings: Settings,
    tenant_id: int,
    platform: Platform,
    external_id: str,
    name: str,
    secret: str,
    channel_settings: dict[str, Any] | None = None,
) -> int:
    """Create or reconnect the channel with sealed credentials (the CLI and the director's page)."""
    if platform not in CONNECTABLE:
        raise BadInputError(f"cannot connect a {platform.value} channel")
    if not secret:
        raise BadInputError("the channel's secret or token is empty")
    if platform is Platform.FACEBOOK:
        sealer = credential_cipher(settings, Platform.FACEBOOK)
        return await connect_page(pool, sealer, tenant_id, external_id, name, secret)
    sealed = sealed_credentials(settings, platform, secret)
    channel_id = await connect_channel(
        pool, platform, tenant_id, external_id, name, sealed, channel_settings or {}
    )
    log.info("channel.connected", platform=platform.value, channel_id=channel_id)
    return channel_id


async def add_channel(settings: Settings, request: ChannelRequest) -> int:
    """Create or reconnect the channel with sealed credentials; returns its id."""
    if request.platform not in CONNECTABLE:
        raise BadInputError(f"cannot connect a {request.platform.value} channel")
    if not request.secret:
        raise BadInputError("the channel's secret or token is empty")
    pool = await create_pool(settings, min_size=1, max_size=1)
    try:
        return await connect_for_tenant(
            pool, settings, await _tenant_id(pool, request.tenant), request.platform,
            request.external_id, request.name, request.secret, request.settings,
        )  # fmt: skip
    finally:
        await pool.close()


async def list_channels(settings: Settings, tenant: str) -> list[dict[str, object]]:
    pool = await create_pool(settings, min_size=1, max_size=1)
    try:
        rows = await pool.fetch(query("channels_of_tenant"), await _tenant_id(pool, tenant))
    finally:
        await pool.close()
    return [dict(r) for r in rows]
