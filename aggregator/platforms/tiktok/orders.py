"""Read TikTok Shop orders through the Order API and hand them to the ingest queue.

Two paths end here: a webhook names an order (fetch it), and a scheduled sync searches the orders
updated since the last sync (webhooks can be missed). Both produce the same PlatformOrderEvent
stamped with TikTok's update_time, and the ingest keeps the newest state of each order, so the
two paths agree, store no duplicates, and a late answer never moves an order backwards.
The sync cursor (channels.settings.tiktok_synced_until) advances only after the events are stored.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import aiohttp
import asyncpg
import structlog

from aggregator.channels.directory import ChannelRef, load_channel
from aggregator.credentials.cipher import TokenCipher, open_json
from aggregator.errors import ConfigurationError
from aggregator.ingest.pipeline import Ingestor
from aggregator.settings import Settings
from connectors.errors import CredentialsError, RateLimitedError, TokenError
from connectors.tiktok.client import ShopClient
from connectors.tiktok.models import MAX_IDS_PER_CALL, order_event
from schema.enums import Platform
from schema.queries import query

log = structlog.get_logger()
T = TypeVar("T")
SHOP_CIPHER_SETTING = "shop_cipher"
SYNCED_UNTIL_SETTING = "tiktok_synced_until"


@dataclass(frozen=True, slots=True)
class Backoff:
    attempts: int = 4
    base_s: float = 1.0


@dataclass(frozen=True, slots=True)
class ShopAccess:
    channel: ChannelRef
    token: str
    shop_cipher: str


async def with_backoff(call: Callable[[], Awaitable[T]], backoff: Backoff) -> T:
    """Run `call`, waiting base, 2×base, 4×base… after each HTTP 429; the last one is raised."""
    for attempt in range(1, backoff.attempts + 1):
        try:
            return await call()
        except RateLimitedError:
            if attempt == backoff.attempts:
                raise
            log.info("tiktok.rate_limited", attempt=attempt)
            await asyncio.sleep(backoff.base_s * 2 ** (attempt - 1))
    raise AssertionError("unreachable")


async def shop_access(pool: asyncpg.Pool, sealer: TokenCipher, channel_id: int) -> ShopAccess:
    channel = await load_channel(pool, channel_id, Platform.TIKTOK)
    if not channel.active:
        raise CredentialsError(f"cửa hàng TikTok {channel.external_id} chưa được kết nối")
    credentials = open_json(sealer, channel.credentials_encrypted)
    return ShopAccess(
        channel, str(credentials["access_token"]), str(channel.settings.get(SHOP_CIPHER_SETTING))
    )


async def disconnect(pool: asyncpg.Pool, access: ShopAccess, exc: TokenError) -> None:
    # Shown to the director after "TikTok «shop» đã mất kết nối: ".
    reason = f"TikTok Shop từ chối mã truy cập (token), hãy kết nối lại cửa hàng. [{exc}]"
    await pool.execute(query("disconnect_platform_channel"), access.channel.id, reason)
    log.warning("tiktok.shop_disconnected", channel_id=access.channel.id, error=str(exc))


async def fetch_orders(
    client: ShopClient,
    access: ShopAccess,
    ingestor: Ingestor,
    order_ids: Sequence[str],
    backoff: Backoff,
) -> int:
    """Read the orders' details (≤ 50 per call) and submit them; returns how many were read."""
    read = 0
    unique = list(dict.fromkeys(order_ids))
    for start in range(0, len(unique), MAX_IDS_PER_CALL):
        chunk = unique[start : start + MAX_IDS_PER_CALL]
        call = functools.partial(client.get_orders, access.token, access.shop_cipher, chunk)
        orders = await with_backoff(call, backoff)
        for order, raw in orders:
            await ingestor.submit(order_event(access.channel.external_id, order, raw))
        read += len(orders)
    return read


@dataclass(frozen=True, slots=True)
class SyncWindow:
    start: int
    end: int


def sync_window(access: ShopAccess, now: int, overlap_s: int, first_s: int) -> SyncWindow:
    synced = access.channel.settings.get(SYNCED_UNTIL_SETTING)
    start = int(synced) - overlap_s if isinstance(synced, int) else now - first_s
    return SyncWindow(start, now)


async def sync_shop(
    pool: asyncpg.Pool,
    client: ShopClient,
    access: ShopAccess,
    ingestor: Ingestor,
    window: SyncWindow,
    backoff: Backoff,
) -> int:
    """Every order updated in the window, page by page; then advance the shop's cursor."""
    read, page_token = 0, ""
    while True:
        search = functools.partial(
            client.search_orders, access.token, access.shop_cipher,
            updated_from=window.start, updated_to=window.end, page_token=page_token,
        )  # fmt: skip
        page = await with_backoff(search, backoff)
        if page.orders:
            read += await fetch_orders(
                client, access, ingestor, [o.id for o in page.orders], backoff
            )
        if not page.next_page_token:
            break
        page_token = page.next_page_token
    await ingestor.drain()
    await pool.execute(query("set_tiktok_synced_until"), access.channel.id, window.end)
    log.info("tiktok.synced", channel_id=access.channel.id, orders=read, until=window.end)
    return read


def shop_client(http: aiohttp.ClientSession, settings: Settings) -> ShopClient:
    secret = settings.tiktok_app_secret
    if secret is None or not settings.tiktok_app_key:
        raise ConfigurationError(
            "CHOTDON_TIKTOK_APP_KEY and CHOTDON_TIKTOK_APP_SECRET are required"
        )
    return ShopClient(
        http, settings.tiktok_api_url, settings.tiktok_app_key, secret.get_secret_value().encode()
    )
