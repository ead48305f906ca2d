"""Route of the Zalo OA webhook."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from aggregator.channels.directory import ChannelDirectory
from aggregator.inbox.deliveries import DeliveryRecorder
from aggregator.inbox.handoff import Inbox
from aggregator.platforms.zalo.webhooks import SOURCE, ZaloWebhooks
from aggregator.web.answers import respond
from aggregator.web.keys import ARQ_POOL, INGESTOR, PG_POOL, SETTINGS, ZALO_WEBHOOKS
from schema.enums import Platform


async def receive(request: web.Request) -> web.Response:
    body = await request.read()
    answer = await request.app[ZALO_WEBHOOKS].receive(body, request.headers)
    return respond(answer)


async def _webhooks_ctx(app: web.Application) -> AsyncIterator[None]:
    settings, pool = app[SETTINGS], app[PG_POOL]
    secret = settings.zalo_oa_secret_key
    async with DeliveryRecorder(pool, SOURCE) as recorder:
        app[ZALO_WEBHOOKS] = ZaloWebhooks(
            inbox=Inbox(recorder, app[INGESTOR]),
            accounts=ChannelDirectory(pool, Platform.ZALO),
            app_id=settings.zalo_app_id,
            secret=secret.get_secret_value() if secret is not None else "",
            arq=app[ARQ_POOL],
        )
        yield


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(_webhooks_ctx)
    app.router.add_post("/webhooks/zalo", receive, name="zalo_webhook")
