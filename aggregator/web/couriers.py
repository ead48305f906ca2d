"""Courier status webhooks: /webhooks/ghn, /webhooks/ghtk, /webhooks/viettelpost."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from aggregator.shipping.webhooks import receive
from aggregator.web.answers import respond
from aggregator.web.client import client_address
from aggregator.web.keys import PG_POOL, SETTINGS
from connectors.couriers.port import WebhookRequest
from schema.enums import Courier


def _handler(courier: Courier) -> Handler:
    async def handle(request: web.Request) -> web.Response:
        inbound = WebhookRequest(
            headers={str(k).lower(): v for k, v in request.headers.items()},
            query=dict(request.query),
            body=await request.read(),
            content_type=request.content_type,
        )
        app, client = request.app, client_address(request)  # behind a trusted proxy: the client
        answer = await receive(app[PG_POOL], app[SETTINGS], courier, inbound, client)
        return respond(answer)

    return handle


def add_courier_routes(app: web.Application) -> None:
    for courier in Courier:
        app.router.add_post(
            f"/webhooks/{courier.value}", _handler(courier), name=f"webhook_{courier.value}"
        )
