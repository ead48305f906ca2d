"""Routes of the Facebook Page webhook: GET handshake, POST deliveries."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from aggregator.inbox.deliveries import DeliveryRecorder
from aggregator.inbox.handoff import Inbox
from aggregator.inbox.intake import Intake
from aggregator.platforms.facebook.pages import LiveIndex, PageDirectory
from aggregator.platforms.facebook.webhooks import SOURCE, WebhookService
from aggregator.web.answers import respond
from aggregator.web.keys import ARQ_POOL, FACEBOOK_WEBHOOKS, INGESTOR, PG_POOL, SETTINGS
from connectors.errors import SignatureError
from connectors.facebook.signature import SIGNATURE_HEADER, verify_challenge


async def verify_subscription(request: web.Request) -> web.Response:
    secret = request.app[SETTINGS].facebook_verify_token
    try:
        challenge = verify_challenge(
            request.query.get("hub.mode"),
            request.query.get("hub.verify_token"),
            request.query.get("hub.challenge"),
            secret.get_secret_value() if secret is not None else "",
        )
    except SignatureError as exc:
        return web.json_response({"error": str(exc)}, status=403)
    return web.Response(text=challenge, content_type="text/plain")


async def receive(request: web.Request) -> web.Response:
    body = await request.read()
    answer = await request.app[FACEBOOK_WEBHOOKS].receive(
        body, request.headers, request.headers.get(SIGNATURE_HEADER)
    )
    return respond(answer)


async def _webhooks_ctx(app: web.Application) -> AsyncIterator[None]:
    settings, pool = app[SETTINGS], app[PG_POOL]
    secret = settings.facebook_app_secret
    ingestor = app[INGESTOR]
    async with (
        DeliveryRecorder(pool, SOURCE, writers=1) as recorder,
        Intake(pool, SOURCE, ingestor) as intake,
    ):
        app[FACEBOOK_WEBHOOKS] = WebhookService(
            pool=pool,
            arq=app[ARQ_POOL],
            inbox=Inbox(recorder, ingestor, intake),
            app_secret=secret.get_secret_value().encode() if secret is not None else None,
            pages=PageDirectory(pool),
            lives=LiveIndex(pool),
        )
        yield


def setup(app: web.Application) -> None:
    """Add the routes and the delivery recorder (after the pools and the ingestor exist)."""
    app.cleanup_ctx.append(_webhooks_ctx)
    app.router.add_get("/webhooks/facebook", verify_subscription, name="facebook_verify")
    app.router.add_post("/webhooks/facebook", receive, name="facebook_webhook")
