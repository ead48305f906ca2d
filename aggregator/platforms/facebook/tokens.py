"""Connecting a Page: its access token is stored encrypted and read back only to make a call."""

from __future__ import annotations

import asyncpg
import structlog

from aggregator.credentials.cipher import TokenCipher
from aggregator.errors import ConfigurationError
from schema.queries import query

log = structlog.get_logger()


async def connect_page(
    pool: asyncpg.Pool, cipher: TokenCipher, tenant_id: int, page_id: str, name: str, token: str
) -> int:
    """Create or reconnect the Page's channel with a new token; returns the channel id."""
    channel_id = await pool.fetchval(
        query("connect_facebook_page"), tenant_id, page_id, name, cipher.encrypt(token)
    )
    if channel_id is None:
        raise ConfigurationError(f"Facebook Page {page_id} belongs to another cooperative")
    log.info("facebook.page_connected", page_id=page_id, channel_id=channel_id)
    return int(channel_id)


async def disconnect_page(pool: asyncpg.Pool, channel_id: int, reason: str) -> None:
    """Staff see the reason on the channel; pulling and sending stop until it is reconnected."""
    await pool.execute(query("disconnect_facebook_page"), channel_id, reason)
    log.warning("facebook.page_disconnected", channel_id=channel_id, reason=reason)


def token_problem(page_name: str, detail: str) -> str:
    """The staff-facing sentence for an expired or under-permitted Page token."""
    return (
        f"Facebook Page '{page_name}': the access token expired, was revoked or lacks a "
        f"permission (pages_messaging, pages_read_engagement, pages_manage_metadata). "
        f"Reconnect the Page. [{detail}]"
    )
