"""Courier status webhooks: authenticate, record, deduplicate, apply, answer fast.

Every delivery is recorded through the inbox, whatever its fate: refused (bad auth or IP,
401/403), malformed (400), unknown tracking code (404), duplicate (200) or processed (200). The
delivery is opened before its event is applied and finished in the same transaction as the event.
Secrets are compared in constant time and never stored (only harmless headers are kept, and
Viettel Post's body TOKEN is redacted).
"""

from __future__ import annotations

import hmac
import ipaddress

import asyncpg
import structlog

from aggregator.inbox.answers import Answer, refuse, reject
from aggregator.inbox.journal import DeliveryJournal, finish_webhook_delivery
from aggregator.inbox.records import Inbound
from aggregator.settings import Settings
from aggregator.shipping.events import Applied, apply_event
from connectors.couriers.errors import MalformedWebhookError
from connectors.couriers.port import CourierEvent, WebhookRequest
from connectors.couriers.registry import WEBHOOKS
from connectors.errors import PayloadError
from schema.enums import Courier, DeliveryStatus

log = structlog.get_logger()
REJECTED, REFUSED = "courier.webhook_rejected", "courier.webhook_refused"


def source(courier: Courier) -> str:
    """webhook_deliveries.source of a courier's deliveries: 'courier:ghn'."""
    return f"courier:{courier.value}"


def _said(status: int, message: str) -> Answer:
    """Couriers read {success, message}; success is true only with a 200."""
    return Answer(status, {"success": status == 200, "message": message})


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


def _refused(
    settings: Settings, courier: Courier, request: WebhookRequest, remote: str | None
) -> tuple[int, str] | None:
    """None if the delivery comes from an allowed address with the right secret; else why not."""
    if not ip_allowed(settings.courier_webhook_allow_ips, remote):
        return 403, "address not allowed"
    presented = WEBHOOKS[courier].secrets(request)
    refused = authenticate(webhook_secret(settings, courier), presented)
    return None if refused is None else (401, refused)


async def receive(
    pool: asyncpg.Pool, settings: Settings, courier: Courier, request: WebhookRequest,
    remote: str | None,
) -> Answer:  # fmt: skip
    spec = WEBHOOKS[courier]
    journal = DeliveryJournal(pool, source(courier))
    inbound = Inbound.of(spec.redact(request.body), request.headers)
    refused = _refused(settings, courier, request, remote)
    if refused is not None:
        status, reason = refused
        return await reject(journal, inbound, status, reason, event=REJECTED,
                            body=_said(status, reason).body, courier=courier.value)  # fmt: skip
    try:
        event = spec.parse(request)
    except (MalformedWebhookError, PayloadError) as exc:
        error = str(exc)
        return await refuse(journal, inbound, 400, error, event=REFUSED,
                            body=_said(400, error).body, courier=courier.value)  # fmt: skip
    return await _apply(pool, settings, journal, inbound, event)


def _outcome(applied: Applied) -> tuple[DeliveryStatus, str | None, Answer]:
    """What the delivery's row says and what the courier hears, once its event is applied."""
    if applied is Applied.UNKNOWN:  # refused: finishing it frees its key for a later retry
        return DeliveryStatus.REJECTED, "unknown tracking code", _said(404, "unknown tracking code")
    if applied is Applied.DUPLICATE:  # a new delivery of an event we already have
        return DeliveryStatus.DUPLICATE, None, _said(200, "duplicate")
    return DeliveryStatus.PROCESSED, None, _said(200, applied.value)


async def _apply(
    pool: asyncpg.Pool, settings: Settings, journal: DeliveryJournal, inbound: Inbound,
    event: CourierEvent,
) -> Answer:  # fmt: skip
    received = inbound.accepted(event.delivery_key, None, status=DeliveryStatus.RECEIVED)
    delivery_id = await journal.open(received)
    if delivery_id is None:  # the same delivery again: recorded as a duplicate, acknowledged
        return _said(200, "duplicate")
    async with pool.acquire() as conn, conn.transaction():
        result = await apply_event(conn, event, poll_after_s=settings.courier_poll_after_s)
        status, error, answer = _outcome(result.applied)
        await finish_webhook_delivery(
            conn, delivery_id, status, tenant_id=result.tenant_id, error=error
        )
    return answer
