"""Courier status webhooks: authenticate, record, deduplicate, apply, answer fast.

Every delivery is recorded through the inbox, whatever its fate: refused (bad auth or IP,
401/403), unknown tracking code (404: chotdon asks the courier to try again, for a parcel whose
booking it has not finished recording), duplicate (200) or processed (200, a status chotdon does
not use included: stored and ignored). A verified body chotdon cannot read at all is kept whole
as a dead letter and acknowledged, and `chotdon deliveries replay` reads it again through
CourierReplayer, which shares `read` and `apply_verified` with the live route. The delivery is
opened before its event is applied and finished in the same transaction as the event. Secrets are
compared in constant time and never stored (only harmless headers are kept, and Viettel Post's
body TOKEN is redacted).
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass

import asyncpg
import structlog

from aggregator.inbox.answers import Answer, keep_unreadable, reject
from aggregator.inbox.journal import DeliveryJournal, finish_webhook_delivery
from aggregator.inbox.records import Inbound
from aggregator.inbox.replay import Replayed, StoredDelivery
from aggregator.runtime.db import Connection
from aggregator.settings import Settings
from aggregator.shipping.accounts import account_for
from aggregator.shipping.events import Applied, apply_event
from aggregator.shipping.return_parcels import apply_return_parcel_event
from connectors.couriers.errors import MalformedWebhookError
from connectors.couriers.port import CourierEvent, WebhookRequest
from connectors.couriers.registry import WEBHOOKS
from connectors.errors import PayloadError
from schema.enums import Courier, DeliveryStatus

log = structlog.get_logger()
REJECTED, UNREADABLE = "courier.webhook_rejected", "courier.webhook_unreadable"
ACK = {"success": True, "message": "received"}  # the 200 a courier reads as "taken"


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
    settings: Settings, courier: Courier, request: WebhookRequest, remote: str | None,
    secret: str,
) -> tuple[int, str] | None:  # fmt: skip
    """None if the delivery comes from an allowed address with the right secret; else why not."""
    if not ip_allowed(settings.courier_webhook_allow_ips, remote):
        return 403, "address not allowed"
    presented = WEBHOOKS[courier].secrets(request)
    refused = authenticate(secret, presented)
    return None if refused is None else (401, refused)


async def _secret(
    pool: asyncpg.Pool, settings: Settings, courier: Courier, tenant_id: int | None
) -> str:
    """The secret a delivery must present: on a cooperative's own address
    (/webhooks/ghn/htx/<slug>), the webhook secret of its own account; else the installation's."""
    if tenant_id is None:
        return webhook_secret(settings, courier)
    account = await account_for(pool, settings, tenant_id, courier)
    return account.webhook_secret if account is not None else ""


async def receive(
    pool: asyncpg.Pool, settings: Settings, courier: Courier, request: WebhookRequest,
    remote: str | None, *, tenant_id: int | None = None,
) -> Answer:  # fmt: skip
    """`tenant_id`: the delivery came to a cooperative's own address; it is verified with that
    cooperative's secret and may only move that cooperative's parcels."""
    spec = WEBHOOKS[courier]
    journal = DeliveryJournal(pool, source(courier))
    inbound = Inbound.of(spec.redact(request.body), request.headers)
    secret = await _secret(pool, settings, courier, tenant_id)
    refused = _refused(settings, courier, request, remote, secret)
    if refused is not None:
        status, reason = refused
        return await reject(journal, inbound, status, reason, event=REJECTED,
                            body=_said(status, reason).body, courier=courier.value)  # fmt: skip
    event = read(courier, request)
    if isinstance(event, str):
        return await keep_unreadable(journal, inbound, event, event=UNREADABLE, body=ACK,
                                     courier=courier.value)  # fmt: skip
    received = inbound.accepted(event.delivery_key, None, status=DeliveryStatus.RECEIVED)
    delivery_id = await journal.open(received)
    if delivery_id is None:  # the same delivery again: recorded as a duplicate, acknowledged
        return _said(200, "duplicate")
    async with pool.acquire() as conn, conn.transaction():
        outcome = await apply_verified(conn, settings, event, tenant_id=tenant_id)
        await finish_webhook_delivery(
            conn, delivery_id, outcome.status, tenant_id=outcome.tenant_id, error=outcome.error
        )
    return outcome.answer


def read(courier: Courier, request: WebhookRequest) -> CourierEvent | str:
    """The event a verified body carries, or why it cannot be read (then it is kept)."""
    try:
        return WEBHOOKS[courier].parse(request)
    except (MalformedWebhookError, PayloadError) as exc:
        return str(exc)[:300] or type(exc).__name__


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the delivery's row says and what the courier hears, once its event is applied."""

    status: DeliveryStatus
    error: str | None
    answer: Answer
    tenant_id: int | None


async def apply_verified(
    conn: Connection, settings: Settings, event: CourierEvent, *, tenant_id: int | None = None
) -> Outcome:
    """Apply a verified event inside the caller's transaction: the live route's work after it
    recorded the delivery, and the replay's. With `tenant_id`, only that cooperative's parcel."""
    result = await apply_event(
        conn, event, poll_after_s=settings.courier_poll_after_s, tenant_id=tenant_id
    )
    if result.applied is Applied.UNKNOWN:  # a buyer's return parcel (issue 22), or refused:
        tenant = await apply_return_parcel_event(conn, event, tenant_id)  # finishing it frees
        if tenant is not None:  # its key for a later retry
            return Outcome(DeliveryStatus.PROCESSED, None, _said(200, "return parcel"), tenant)
        answer = _said(404, "unknown tracking code")
        return Outcome(DeliveryStatus.REJECTED, "unknown tracking code", answer, None)
    if result.applied is Applied.DUPLICATE:  # a new delivery of an event we already have
        return Outcome(DeliveryStatus.DUPLICATE, None, _said(200, "duplicate"), result.tenant_id)
    note = None if event.status else f"ignored: {event.courier_status}"  # stored, not applied
    answer = _said(200, result.applied.value)
    return Outcome(DeliveryStatus.PROCESSED, note, answer, result.tenant_id)


@dataclass(frozen=True, slots=True)
class CourierReplayer:
    """Reads a courier's dead letters again (`chotdon deliveries replay`): what the live route
    does after recording, without recording a second delivery."""

    pool: asyncpg.Pool
    settings: Settings
    courier: Courier

    async def __call__(self, delivery: StoredDelivery) -> Replayed:
        event = read(self.courier, stored_request(delivery))
        if isinstance(event, str):
            return Replayed(DeliveryStatus.UNREADABLE, event)
        async with self.pool.acquire() as conn, conn.transaction():
            outcome = await apply_verified(conn, self.settings, event)
        return Replayed(outcome.status, outcome.error, outcome.tenant_id)


def stored_request(delivery: StoredDelivery) -> WebhookRequest:
    """The request as the live route saw it, from what was kept (its secrets were checked when it
    came and are not stored: the parsers do not need them)."""
    content_type = delivery.headers.get("content-type", "")
    return WebhookRequest(
        headers=delivery.headers,
        query={},
        body=delivery.body,
        content_type=content_type.split(";", 1)[0].strip().lower(),
    )
