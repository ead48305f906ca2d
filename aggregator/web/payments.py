"""POST /webhooks/payments: bank-transfer notifications in chotdon's own format (token or HMAC per
settings); POST /webhooks/payments/{sepay,casso,payos}: each provider's own, verified with the
secret of the cooperative whose account received the transfer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from aggregator.confirmation.bank_transfers import receive_bank_notice
from aggregator.confirmation.payments import receive_payment
from aggregator.web.answers import respond
from aggregator.web.keys import PG_POOL, SETTINGS
from schema.enums import BankProvider


def _headers(request: web.Request) -> dict[str, str]:
    return {str(k).lower(): v for k, v in request.headers.items()}


async def payment_webhook(request: web.Request) -> web.Response:
    answer = await receive_payment(
        request.app[PG_POOL], request.app[SETTINGS], await request.read(), _headers(request)
    )
    return respond(answer)


def bank_webhook(provider: BankProvider) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        answer = await receive_bank_notice(
            request.app[PG_POOL], request.app[SETTINGS], provider, await request.read(),
            _headers(request),
        )  # fmt: skip
        return respond(answer)

    return handle


def setup(app: web.Application) -> None:
    app.router.add_post("/webhooks/payments", payment_webhook, name="payment_webhook")
    for provider in BankProvider:
        app.router.add_post(
            f"/webhooks/payments/{provider.value}", bank_webhook(provider),
            name=f"bank_webhook_{provider.value}",
        )  # fmt: skip
