"""Route of the TikTok Shop webhook."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from aggregator.channels.directory import ChannelDirectory
from aggregator.inbox.deliveries import DeliveryRecorder
from aggregator.platforms.tiktok.webhooks import SOURCE, TikTokWebhooks
from aggregator.web.answers import respond
from aggregator.web.keys import ARQ_POOL, PG_POOL, SETTINGS, TIKTOK_WEBHOOKS
from schema.enums import Platform


async def receive(request: web.Request) -> web.Response:
    body = await request.read()
    answer = await request.app[TIKTOK_WEBHOOKS].receive(body, request.headers)
    return respond(answer)


async def _webhooks_ctx(app: web.Application) -> AsyncIterator[None]:
    settings, pool = app[SETTINGS], app[PG_POOL]
    secret = settings.tiktok_app_secret
    async with DeliveryRecorder(pool, SOURCE) as recorder:
        app[TIKTOK_WEBHOOKS] = TikTokWebhooks(
            arq=app[ARQ_POOL],
            recorder=recorder,
            shops=ChannelDirectory(pool, Platform.TIKTOK),
            pool=pool,
            app_key=settings.tiktok_app_key,
            app_secret=secret.get_secret_value().encode() if secret is not None else None,
        )
        yield


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(_webhooks_ctx)
    app.router.add_post("/webhooks/tiktok", receive, name="tiktok_webhook")
