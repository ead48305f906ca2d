"""Courier status webhooks: authenticate, record, deduplicate, apply, answer fast.

Every delivery is recorded in webhook_deliveries, whatever its fate: refused (bad auth or IP,
401/403), malformed (400), unknown tracking code (404), duplicate (200) or processed (200).
Secrets are compared in constant time and never stored (Viettel Post's body TOKEN is redacted).
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass
from typing import Any

import asyncpg
import structlog

from aggregator.settings import Settings
from aggregator.shipping.events import Applied, apply_event
from connectors.couriers.errors import MalformedWebhookError
from connectors.couriers.port import CourierEvent, WebhookRequest
from connectors.couriers.registry import WEBHOOKS
from connectors.errors import PayloadError
from schema.enums import Courier, DeliveryStatus
from schema.queries import query

log = structlog.get_logger()
SECRET_HEADERS = frozenset({"authorization", "x-chotdon-token", "token", "cookie"})


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    detail: str


def webhook_secret(settings: Settings, courier: Courier) -> str:
    secret = {
        Courier.GHN: settings.ghn_webhook_secret,
        Courier.GHTK: settings.ghtk_webhook_secret,
        Courier.VIETTELPOST: settings.viettelpost_webhook_secret,
    }[courier]
    return secret.get_secret_value() if secret else ""


def ip_allowed(allow_list: str, remote: str | None) -> bool:
    networks = [n.strip() for n in allow_list.split(",") if n.strip()]
    if not networks:
        return True
    try:
        address = ipaddress.ip_address(remote or "")
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(n, strict=False) for n in networks)


def authenticate(secret: str, presented: list[str]) -> str | None:
    """None when one presented secret matches; else why not."""
    if not secret:
        return "no webhook secret configured"
    if not presented:
        return "no secret presented"
    ok = False
    for candidate in presented:
        ok |= hmac.compare_digest(candidate.encode(), secret.encode())
    return None if ok else "secret does not match"


def stored_headers(request: WebhookRequest) -> dict[str, Any]:
    return {k: v for k, v in request.headers.items() if k.lower() not in SECRET_HEADERS}


async def _record(
    pool: asyncpg.Pool, courier: Courier, request: WebhookRequest, *,
    key: str | None, verified: bool, status: DeliveryStatus, error: str | None,
) -> int | None:  # fmt: skip
    body = WEBHOOKS[courier].redact(request.body)
    delivery_id: int | None = await pool.fetchval(
        query("record_webhook_delivery"),
        f"courier:{courier.value}", key, verified, error if not verified else None,
        stored_headers(request), body, status.value, error,
    )  # fmt: skip
    return delivery_id


async def _reject(
    pool: asyncpg.Pool, courier: Courier, request: WebhookRequest, answer: Answer, verified: bool
) -> Answer:
    status = DeliveryStatus.REJECTED
    await _record(pool, courier, request, key=None, verified=verified, status=status,
                  error=answer.detail)  # fmt: skip
    log.warning("courier.webhook_rejected", courier=courier.value, status=answer.status,
                reason=answer.detail)  # fmt: skip
    return answer


async def receive(
    pool: asyncpg.Pool, settings: Settings, courier: Courier, request: WebhookRequest,
    remote: str | None,
) -> Answer:  # fmt: skip
    spec = WEBHOOKS[courier]
    if not ip_allowed(settings.courier_webhook_allow_ips, remote):
        return await _reject(pool, courier, request, Answer(403, "address not allowed"), False)
    refused = authenticate(webhook_secret(settings, courier), spec.secrets(request))
    if refused is not None:
        return await _reject(pool, courier, request, Answer(401, refused), False)
    try:
        event = spec.parse(request)
    except (MalformedWebhookError, PayloadError) as exc:
        return await _reject(pool, courier, request, Answer(400, str(exc)), True)
    return await _apply(pool, settings, courier, request, event)


async def _apply(
    pool: asyncpg.Pool, settings: Settings, courier: Courier, request: WebhookRequest,
    event: CourierEvent,
) -> Answer:  # fmt: skip
    delivery_id = await _record(pool, courier, request, key=event.delivery_key, verified=True,
                                status=DeliveryStatus.RECEIVED, error=None)  # fmt: skip
    if delivery_id is None:  # the same delivery again: recorded without its key, acknowledged
        await _record(pool, courier, request, key=None, verified=True,
                      status=DeliveryStatus.DUPLICATE, error=event.delivery_key)  # fmt: skip
        return Answer(200, "duplicate")
    async with pool.acquire() as conn, conn.transaction():
        result = await apply_event(conn, event, poll_after_s=settings.courier_poll_after_s)
        if result.applied is Applied.UNKNOWN:
            outcome, error, answer = (
                DeliveryStatus.REJECTED,
                "unknown tracking code",
                Answer(404, "unknown tracking code"),
            )
        elif result.applied is Applied.DUPLICATE:
            outcome, error, answer = DeliveryStatus.DUPLICATE, None, Answer(200, "duplicate")
        else:
            outcome, error, answer = (
                DeliveryStatus.PROCESSED,
                None,
                Answer(200, result.applied.value),
            )
        await conn.execute(query("finish_webhook_delivery"), delivery_id, outcome.value, error,
                           result.tenant_id)  # fmt: skip
    return answer
