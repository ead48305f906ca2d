"""The replayers of Zalo OA, TikTok Shop and the relay, with what they need for one replay run.

Each is the platform's own webhook service (the one the live route uses), built here without its
signing secrets: a dead letter's signature was proven when it came. Comments go through an
ingestor of their own; buyer replies and order reads are queued on arq as the live route does.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import asyncpg

from aggregator.channels.directory import ChannelDirectory
from aggregator.inbox.deliveries import DeliveryRecorder
from aggregator.inbox.handoff import Inbox
from aggregator.inbox.replay import Replayer
from aggregator.ingest.pipeline import Ingestor
from aggregator.platforms.relay.service import SOURCE as RELAY, RelayService
from aggregator.platforms.tiktok.webhooks import SOURCE as TIKTOK, TikTokWebhooks
from aggregator.platforms.zalo.webhooks import SOURCE as ZALO, ZaloWebhooks
from aggregator.runtime.queue import create_arq_pool
from aggregator.settings import Settings
from schema.enums import Platform


@contextlib.asynccontextmanager
async def platform_replayers(
    settings: Settings, pool: asyncpg.Pool
) -> AsyncIterator[dict[str, Replayer]]:
    async with contextlib.AsyncExitStack() as stack:
        arq = await create_arq_pool(settings)
        stack.push_async_callback(arq.aclose)
        ingestor = await stack.enter_async_context(Ingestor(pool, arq))
        recorders = {
            source: await stack.enter_async_context(DeliveryRecorder(pool, source))
            for source in (ZALO, TIKTOK, RELAY)
        }
        zalo = ZaloWebhooks(
            inbox=Inbox(recorders[ZALO], ingestor),
            accounts=ChannelDirectory(pool, Platform.ZALO), app_id="", secret="", arq=arq,
        )  # fmt: skip
        tiktok = TikTokWebhooks(
            arq=arq, recorder=recorders[TIKTOK], shops=ChannelDirectory(pool, Platform.TIKTOK),
            pool=pool, app_key="", app_secret=None,
        )  # fmt: skip
        relay = RelayService(
            inbox=Inbox(recorders[RELAY], ingestor),
            channels=ChannelDirectory(pool, Platform.RELAY), cipher=None,
            window_s=settings.relay_window_s, max_comments=settings.relay_max_comments,
        )  # fmt: skip
        yield {ZALO: zalo.replay, TIKTOK: tiktok.replay, RELAY: relay.replay}
