"""Transfer notices from SePay, Casso and payOS (POST /webhooks/payments/<provider>).

The receiving account named in the body finds the cooperative (unknown: 404) and its sealed secret
verifies the provider's signature (missing: 401, wrong: 403); both refusals are recorded
unverified. A verified notice is then never refused: it is recorded under the source
`bank:<provider>` with the key `<provider>:<transaction id>` (a redelivery is a duplicate), and
- money out of the account is recorded as processed, "outgoing: ignored", and pays nothing;
- money in is stored as a payment of that source and matched by the order number in its content to
  an order of that same cooperative only (apply_payment: partial payments add up, an order is
  marked paid once);
- a body that reports no transfer (a provider's error, a payment not completed) is processed with
  a note; one chotdon cannot read is kept as a dead letter, answered as the provider expects, and
  read again by the replayer below after an upgrade.
The live route and the replayer share `settle`: what a verified, read notice does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg
import structlog
from pydantic import ValidationError

from aggregator.confirmation.bank_accounts import connection_for, normal_account
from aggregator.confirmation.payments import Match, PaymentNotice, apply_payment
from aggregator.errors import BadInputError
from aggregator.inbox.answers import Answer, keep_unreadable, reject, signature_status
from aggregator.inbox.journal import DeliveryJournal, finish_webhook_delivery
from aggregator.inbox.records import Inbound
from aggregator.inbox.replay import Replayed, Replayer, StoredDelivery
from aggregator.runtime.db import Connection
from aggregator.settings import Settings
from connectors.banks import ADAPTERS, BankAdapter
from connectors.banks.notice import BankNotice, Direction, Ignored, Reading
from connectors.errors import PayloadError, SignatureError
from schema.enums import BankProvider, DeliveryStatus
from schema.queries import query

log = structlog.get_logger()
REJECTED, UNREADABLE = "bank.webhook_rejected", "bank.webhook_unreadable"
OUTGOING = "outgoing: ignored"


def source(provider: BankProvider) -> str:
    """webhook_deliveries.source and payments.source of a provider's notices: 'bank:sepay'."""
    return f"bank:{provider.value}"


@dataclass(frozen=True, slots=True)
class Settled:
    status: DeliveryStatus
    note: str | None = None
    match: Match | None = None


def _payment(notice: BankNotice) -> PaymentNotice:
    try:
        return PaymentNotice(
            transaction_id=notice.transaction_id, amount=notice.amount_vnd, content=notice.content
        )
    except ValidationError as exc:
        raise PayloadError(f"not a payment chotdon can store: {str(exc)[:300]}") from None


def read(adapter: BankAdapter, body: bytes) -> Reading:
    """The provider's reading of a verified body; PayloadError if chotdon cannot use it."""
    reading = adapter.parse(body)
    if isinstance(reading, BankNotice) and reading.direction is Direction.IN:
        _payment(reading)
    return reading


async def _accounts_tenant(conn: Connection, notice: BankNotice) -> int | None:
    try:
        number = normal_account(notice.account_number)
    except BadInputError:
        return None
    row = await conn.fetchrow(query("bank_connection_by_account"), notice.provider.value, number)
    return None if row is None else int(row["tenant_id"])


async def settle(conn: Connection, tenant_id: int, reading: Reading, delivery_id: int) -> Settled:
    """What a verified, read notice does for the cooperative `tenant_id` (live or replayed)."""
    if isinstance(reading, Ignored):
        return Settled(DeliveryStatus.PROCESSED, reading.note)
    if await _accounts_tenant(conn, reading) != tenant_id:
        # The account the body names is not the one its signature was checked for.
        return Settled(DeliveryStatus.REJECTED, "the account is not this cooperative's")
    if reading.direction is Direction.OUT:
        return Settled(DeliveryStatus.PROCESSED, OUTGOING)
    match = await apply_payment(
        conn, delivery_id, _payment(reading), source=source(reading.provider),
        tenant_id=tenant_id, transferred_at=reading.at,
    )  # fmt: skip
    if match is None:
        return Settled(DeliveryStatus.DUPLICATE, f"duplicate of transaction {reading.delivery_key}")
    return Settled(DeliveryStatus.PROCESSED, None, match)


def _failed(message: str) -> dict[str, Any]:
    return {"success": False, "message": message}


async def receive_bank_notice(
    pool: asyncpg.Pool, settings: Settings, provider: BankProvider, body: bytes,
    headers: Mapping[str, str],
) -> Answer:  # fmt: skip
    adapter = ADAPTERS[provider]
    headers = {str(k).lower(): v for k, v in headers.items()}
    inbound = Inbound.of(body, headers)
    async with pool.acquire() as conn, conn.transaction():
        journal = DeliveryJournal(conn, source(provider))
        try:
            account = adapter.account_of(body)
        except PayloadError as exc:
            reason = f"no receiving account in the body: {exc}"
            return await reject(journal, inbound, 404, reason, event=REJECTED,
                                body=_failed(reason), provider=provider.value)  # fmt: skip
        connection = await connection_for(conn, settings, provider, account)
        if connection is None:
            reason = "no cooperative connected this account"
            return await reject(journal, inbound, 404, reason, event=REJECTED,
                                body=_failed(reason), provider=provider.value)  # fmt: skip
        try:
            adapter.verify(body, headers, connection.secret)
        except SignatureError as exc:
            status = signature_status(exc)
            return await reject(journal, inbound, status, str(exc), event=REJECTED,
                                body=_failed(str(exc)), provider=provider.value)  # fmt: skip
        return await _take(conn, journal, adapter, connection.tenant_id, inbound)


async def _take(
    conn: Connection, journal: DeliveryJournal, adapter: BankAdapter, tenant_id: int,
    inbound: Inbound,
) -> Answer:  # fmt: skip
    provider = adapter.provider.value
    try:
        reading = read(adapter, inbound.body)
    except PayloadError as exc:
        return await keep_unreadable(
            journal, inbound, str(exc)[:500], event=UNREADABLE, body=adapter.ack,
            tenant_id=tenant_id, provider=provider,
        )  # fmt: skip
    record = inbound.accepted("", tenant_id, status=DeliveryStatus.RECEIVED)
    # An ignored body claims no key: a later notice of the same transaction must still count.
    key = reading.delivery_key if isinstance(reading, BankNotice) else None
    delivery_id = await journal.open(dataclasses.replace(record, delivery_key=key))
    if delivery_id is None:
        log.info("bank.duplicate", provider=provider)
        return Answer(200, adapter.ack)
    settled = await settle(conn, tenant_id, reading, delivery_id)
    await finish_webhook_delivery(
        conn, delivery_id, settled.status, tenant_id=tenant_id, error=settled.note
    )
    match = settled.match
    log.info("bank.transfer_received", provider=provider, status=settled.status.value,
             note=settled.note, order_id=match.order_id if match else None,
             payment=match.status.value if match else None)  # fmt: skip
    return Answer(200, adapter.ack)


def bank_replayer(pool: asyncpg.Pool, provider: BankProvider) -> Replayer:
    """`chotdon deliveries replay` for `bank:<provider>`: the dead letter's body, verified when it
    came (for the cooperative recorded with it), settled as the live route would, once."""
    adapter = ADAPTERS[provider]

    async def replay(delivery: StoredDelivery) -> Replayed:
        tenant_id = delivery.tenant_id
        if tenant_id is None:
            return Replayed(DeliveryStatus.UNREADABLE, "no cooperative was recorded with it")
        try:
            reading = read(adapter, delivery.body)
        except PayloadError as exc:
            return Replayed(DeliveryStatus.UNREADABLE, str(exc)[:500], tenant_id)
        async with pool.acquire() as conn, conn.transaction():
            settled = await settle(conn, tenant_id, reading, delivery.id)
        return Replayed(settled.status, settled.note, tenant_id)

    return replay
