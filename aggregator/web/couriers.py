"""Courier status webhooks: /webhooks/ghn, /webhooks/ghtk, /webhooks/viettelpost (the
installation's accounts), and /webhooks/<courier>/htx/<slug> (a cooperative's own account)."""

from __future__ import annotations

import re

from aiohttp import web
from aiohttp.typedefs import Handler

from aggregator.shipping.webhooks import receive
from aggregator.web.answers import respond
from aggregator.web.client import client_address
from aggregator.web.keys import PG_POOL, SETTINGS
from connectors.couriers.port import WebhookRequest
from schema.enums import Courier
from schema.queries import query

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")


def _handler(courier: Courier, own: bool = False) -> Handler:
    async def handle(request: web.Request) -> web.Response:
        tenant_id = None
        if own:  # a cooperative's own address: unknown cooperative, as an unknown route
            slug = request.match_info["slug"]
            if SLUG.fullmatch(slug):
                tenant_id = await request.app[PG_POOL].fetchval(query("tenant_id_by_slug"), slug)
            if tenant_id is None:
                raise web.HTTPNotFound()
        inbound = WebhookRequest(
            headers={str(k).lower(): v for k, v in request.headers.items()},
            query=dict(request.query),
            body=await request.read(),
            content_type=request.content_type,
        )
        app, client = request.app, client_address(request)  # behind a trusted proxy: the client
        answer = await receive(
            app[PG_POOL], app[SETTINGS], courier, inbound, client, tenant_id=tenant_id
        )
        return respond(answer)

    return handle


def add_courier_routes(app: web.Application) -> None:
    for courier in Courier:
        app.router.add_post(
            f"/webhooks/{courier.value}", _handler(courier), name=f"webhook_{courier.value}"
        )
        app.router.add_post(
            f"/webhooks/{courier.value}/htx/{{slug}}", _handler(courier, own=True),
            name=f"webhook_{courier.value}_own",
        )  # fmt: skip
