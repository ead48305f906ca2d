"""POST /webhooks/payments: bank-transfer notifications (token or HMAC per settings)."""

from __future__ import annotations

from aiohttp import web

from aggregator.confirmation.payments import receive_payment
from aggregator.web.answers import respond
from aggregator.web.keys import PG_POOL, SETTINGS


async def payment_webhook(request: web.Request) -> web.Response:
    headers = {str(k).lower(): v for k, v in request.headers.items()}
    answer = await receive_payment(
        request.app[PG_POOL], request.app[SETTINGS], await request.read(), headers
    )
    return respond(answer)


def setup(app: web.Application) -> None:
    app.router.add_post("/webhooks/payments", payment_webhook, name="payment_webhook")
