"""Channels of one platform, cached briefly, and connecting one with its sealed credentials.

Credentials (a relay channel's secret, a TikTok shop's or Zalo OA's token pair) arrive here
already sealed by aggregator.credentials; they are plain text only in memory, for the length of
a call.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import asyncpg

from aggregator.errors import ConfigurationError
from schema.enums import Platform
from schema.queries import query

CHANNELS_TTL_S = 5.0


@dataclass(frozen=True, slots=True)
class ChannelRef:
    id: int
    tenant_id: int
    external_id: str
    name: str
    active: bool
    settings: dict[str, Any]
    credentials_encrypted: bytes | None


def channel_ref(row: Any) -> ChannelRef:
    return ChannelRef(
        id=row["id"],
        tenant_id=row["tenant_id"],
        external_id=row["external_id"],
        name=row["name"],
        active=row["status"] == "active",
        settings=dict(row["settings"] or {}),
        credentials_encrypted=row["credentials_encrypted"],
    )


async def load_channel(pool: asyncpg.Pool, channel_id: int, platform: Platform) -> ChannelRef:
    row = await pool.fetchrow(query("platform_channel"), channel_id, platform.value)
    if row is None:
        raise ConfigurationError(f"no {platform.value} channel {channel_id}")
    return channel_ref(row)


class ChannelDirectory:
    """External id → channel of one platform, reloaded at most every `ttl_s` (and on a miss)."""

    def __init__(self, pool: asyncpg.Pool, platform: Platform, ttl_s: float = CHANNELS_TTL_S):
        self.pool, self.platform, self.ttl_s = pool, platform, ttl_s
        self._channels: dict[str, ChannelRef] = {}
        self._loaded_at = float("-inf")

    async def get(self, external_id: str) -> ChannelRef | None:
        age = time.monotonic() - self._loaded_at
        if age > self.ttl_s or (external_id not in self._channels and age > 0.2):
            rows = await self.pool.fetch(query("platform_channels"), self.platform.value)
            self._channels = {row["external_id"]: channel_ref(row) for row in rows}
            self._loaded_at = time.monotonic()
        return self._channels.get(external_id)

    def forget(self) -> None:
        """This process just changed a channel (disconnected it): reload on the next get."""
        self._loaded_at = float("-inf")


async def connect_channel(
    pool: asyncpg.Pool,
    platform: Platform,
    tenant_id: int,
    external_id: str,
    name: str,
    sealed: bytes | None,
    settings: dict[str, Any] | None = None,
) -> int:
    """Create or reconnect a channel with new credentials; returns the channel id."""
    channel_id = await pool.fetchval(
        query("connect_platform_channel"),
        tenant_id, platform.value, external_id, name, sealed, settings or {},
    )  # fmt: skip
    if channel_id is None:
        raise ConfigurationError(f"{platform.value} {external_id} belongs to another cooperative")
    return int(channel_id)
