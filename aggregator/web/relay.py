"""Routes of the signed comment relay: POST a batch, GET the batch's JSON schema."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from aggregator.channels.directory import ChannelDirectory
from aggregator.credentials.keyring import credential_cipher
from aggregator.inbox.deliveries import DeliveryRecorder
from aggregator.inbox.handoff import Inbox
from aggregator.platforms.relay.service import SOURCE, RelayRequest, RelayService
from aggregator.web.answers import respond
from aggregator.web.keys import INGESTOR, PG_POOL, RELAY, SETTINGS
from connectors.relay.models import RelayBatch
from schema.enums import Platform


async def receive(request: web.Request) -> web.Response:
    body = await request.read()
    answer = await request.app[RELAY].receive(
        RelayRequest(request.match_info["channel"], body, request.headers)
    )
    return respond(answer)


async def batch_schema(_request: web.Request) -> web.Response:
    return web.json_response(RelayBatch.model_json_schema())


async def _relay_ctx(app: web.Application) -> AsyncIterator[None]:
    settings, pool = app[SETTINGS], app[PG_POOL]
    async with DeliveryRecorder(pool, SOURCE) as recorder:
        app[RELAY] = RelayService(
            inbox=Inbox(recorder, app[INGESTOR]),
            channels=ChannelDirectory(pool, Platform.RELAY),
            cipher=credential_cipher(settings, Platform.RELAY) if settings.app_secret else None,
            window_s=settings.relay_window_s,
            max_comments=settings.relay_max_comments,
        )
        yield


def setup(app: web.Application) -> None:
    """Add the routes and the relay service (after the pools and the ingestor exist)."""
    app.cleanup_ctx.append(_relay_ctx)
    app.router.add_get("/relay/schema.json", batch_schema, name="relay_schema")
    app.router.add_post("/relay/{channel}/comments", receive, name="relay_comments")
