"""Facebook's Replayer for `chotdon deliveries replay`: the webhook service, built for a replay.

It reads a dead letter with the same code the live route uses (WebhookService.replay), so what an
upgrade taught the route to read, the replay reads too; comments go through an ingest queue of its
own, flushed before the replay ends, and jobs (merges, buyer replies) to the usual Redis queue.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import asyncpg

from aggregator.inbox.deliveries import DeliveryRecorder
from aggregator.inbox.handoff import Inbox
from aggregator.inbox.replay import Replayer
from aggregator.ingest.pipeline import Ingestor
from aggregator.platforms.facebook.pages import LiveIndex, PageDirectory
from aggregator.platforms.facebook.webhooks import SOURCE, WebhookService
from aggregator.runtime.queue import create_arq_pool
from aggregator.settings import Settings


@contextlib.asynccontextmanager
async def facebook_replayer(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[Replayer]:
    arq = await create_arq_pool(settings)
    try:
        async with Ingestor(pool, arq) as ingestor, DeliveryRecorder(pool, SOURCE) as recorder:
            service = WebhookService(
                pool=pool, arq=arq, inbox=Inbox(recorder, ingestor), app_secret=None,
                pages=PageDirectory(pool), lives=LiveIndex(pool),
            )  # fmt: skip
            yield service.replay
    finally:
        await arq.aclose()
