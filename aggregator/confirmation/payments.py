"""Bank-transfer notifications (POST /webhooks/payments): verify, record, match, mark paid once.

Any service that watches a cooperative's account posts chotdon's own "transaction received" JSON:
transaction id, amount, content (SePay, Casso and payOS, in their own formats, have routes of their
own: bank_transfers.py, which matches through apply_payment here). The transaction id is the
idempotency key twice over (webhook_deliveries and payments are unique on it), so a notification
delivered three times marks the order paid once. The content must name one order number
(CD0000123); transfers that add up to less than the order's total are 'partial', more is
'overpaid', no order is 'unmatched': all three wait on the staff list. Everything happens in one
transaction, the delivery's record through the inbox included; the answer comes after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import asyncpg
import orjson
import structlog
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from aggregator.core.payments import order_number_in, signature_matches, token_matches
from aggregator.inbox.answers import Answer, keep_unreadable, reject
from aggregator.inbox.journal import DeliveryJournal, finish_webhook_delivery
from aggregator.inbox.records import Inbound
from aggregator.inbox.replay import Replayed, Replayer, StoredDelivery
from aggregator.orders.holds import hold_on_paid
from aggregator.orders.state import EventRow, record_events
from aggregator.runtime.db import Connection
from aggregator.settings import Settings
from schema.enums import DeliveryStatus, PaymentStatus
from schema.events import storable
from schema.queries import query

log = structlog.get_logger()
SOURCE = "payments"
REJECTED, UNREADABLE = "payment.webhook_rejected", "payment.webhook_unreadable"
# A signed body we cannot read is acknowledged (the sender would only retry it) and kept.
KEPT = {"success": True, "unreadable": True}
TOKEN_HEADERS = ("authorization", "x-chotdon-token")
SIGNATURE_HEADER = "x-chotdon-signature"
ACTOR = "system:payments"
NOT_A_NOTICE = "not a transaction notification"


class PaymentNotice(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    # storable: Postgres text holds no NUL; a NUL in a bank's notice must not become a 500.
    transaction_id: Annotated[
        str, BeforeValidator(lambda v: storable(str(v))), Field(min_length=1, max_length=100)
    ]
    amount: Annotated[int, Field(ge=1, le=10_000_000_000)]
    content: Annotated[str, BeforeValidator(storable), Field(max_length=1000)] = ""


@dataclass(frozen=True, slots=True)
class Match:
    tenant_id: int | None
    order_id: int | None
    order_no: str | None
    status: PaymentStatus
    mark_paid: bool


CLOSED_WITHOUT_SALE = frozenset({"cancelled", "expired"})


def _authentic(settings: Settings, body: bytes, headers: Any) -> str | None:
    """None if the request is ours, else why not (never echoing what was presented)."""
    if settings.payment_webhook_secret is None:
        return "payment_webhook_secret is not configured"
    secret = settings.payment_webhook_secret.get_secret_value()
    if settings.payment_webhook_auth == "hmac":
        ok = signature_matches(body, headers.get(SIGNATURE_HEADER), secret)
        return None if ok else "missing or wrong signature"
    presented = next((headers.get(h) for h in TOKEN_HEADERS if headers.get(h)), None)
    return None if token_matches(presented, secret) else "missing or wrong token"


async def _order(conn: Connection, order_no: str, tenant_id: int | None) -> asyncpg.Record | None:
    if tenant_id is None:  # the generic route: the order number alone names the cooperative
        return await conn.fetchrow(query("order_for_payment"), order_no)
    return await conn.fetchrow(query("order_of_tenant_for_payment"), order_no, tenant_id)


async def _match(conn: Connection, notice: PaymentNotice, tenant_id: int | None) -> Match:
    order_no = order_number_in(notice.content)
    if order_no:  # the live's lock before the order row: a payment may take the live's stock
        await conn.execute(query("lock_live_of_order_no"), order_no)
    order = await _order(conn, order_no, tenant_id) if order_no else None
    if order is None:
        return Match(tenant_id, None, order_no, PaymentStatus.UNMATCHED, False)
    if order["status"] in CLOSED_WITHOUT_SALE:
        # Nothing is owed on a cancelled or expired order: the money waits on the staff list,
        # to refund or to revive the order, and the order itself is not marked paid.
        return Match(order["tenant_id"], order["id"], order_no, PaymentStatus.OVERPAID, False)
    paid = await conn.fetchval(query("paid_so_far"), order["id"]) + notice.amount
    if order["paid_at"] is not None or paid > order["total_vnd"]:
        status = PaymentStatus.OVERPAID
    else:
        status = PaymentStatus.PARTIAL if paid < order["total_vnd"] else PaymentStatus.MATCHED
    mark = order["paid_at"] is None and paid >= order["total_vnd"]
    return Match(order["tenant_id"], order["id"], order_no, status, mark)


async def apply_payment(
    conn: Connection, delivery_id: int, notice: PaymentNotice, *, source: str = SOURCE,
    tenant_id: int | None = None, transferred_at: datetime | None = None,
) -> Match | None:  # fmt: skip
    """Store the transfer, match it and mark its order paid once; None if `source` has this
    transaction already (nothing is counted twice). `tenant_id`: the cooperative whose own account
    received it, whose orders alone it may pay (None: whoever the order number names)."""
    match = await _match(conn, notice, tenant_id)
    stored = await conn.fetchval(
        query("insert_payment"), match.tenant_id, delivery_id, notice.transaction_id,
        notice.amount, notice.content, match.order_no, match.order_id, match.status.value,
        source, transferred_at,
    )  # fmt: skip
    if stored is None:
        return None
    if match.order_id is not None and match.tenant_id is not None:
        if match.mark_paid:
            await conn.execute(query("mark_order_paid"), match.order_id)
            await hold_on_paid(conn, match.order_id)  # first_payment lives: the money holds
        data = {"transaction_id": notice.transaction_id, "amount_vnd": notice.amount,
                "status": match.status.value, "paid": match.mark_paid,
                "source": source}  # fmt: skip
        event = EventRow(match.tenant_id, match.order_id, ACTOR, "payment_received",
                         reason=f"bank transfer {match.status.value}", data=data)  # fmt: skip
        await record_events(conn, [event])
    return match


async def _apply(conn: Connection, delivery_id: int, notice: PaymentNotice) -> Match | None:
    match = await apply_payment(conn, delivery_id, notice)
    status = DeliveryStatus.PROCESSED if match is not None else DeliveryStatus.DUPLICATE
    tenant_id = match.tenant_id if match is not None else None
    await finish_webhook_delivery(conn, delivery_id, status, tenant_id=tenant_id)
    return match


def _notice(body: bytes) -> PaymentNotice:
    return PaymentNotice.model_validate(orjson.loads(body))


def _failed(message: str) -> dict[str, Any]:
    return {"success": False, "message": message}


async def receive_payment(
    pool: asyncpg.Pool, settings: Settings, body: bytes, headers: Any
) -> Answer:
    inbound = Inbound.of(body, headers)
    async with pool.acquire() as conn, conn.transaction():
        journal = DeliveryJournal(conn, SOURCE)
        problem = _authentic(settings, body, headers)
        if problem is not None:
            missing = not any(headers.get(h) for h in (*TOKEN_HEADERS, SIGNATURE_HEADER))
            status = 401 if missing else 403
            return await reject(
                journal, inbound, status, problem, event=REJECTED, body=_failed(problem)
            )
        try:
            notice = _notice(body)
        except (orjson.JSONDecodeError, ValidationError) as exc:
            error = f"{NOT_A_NOTICE}: {str(exc)[:300]}"  # kept for a replay, not refused
            return await keep_unreadable(journal, inbound, error, event=UNREADABLE, body=KEPT)
        received = inbound.accepted(notice.transaction_id, None, status=DeliveryStatus.RECEIVED)
        delivery_id = await journal.open(received)
        if delivery_id is None:
            log.info("payment.duplicate")
            return Answer(200, {"success": True, "duplicate": True})
        match = await _apply(conn, delivery_id, notice)
    if match is None:  # stored under another delivery already
        return Answer(200, {"success": True, "duplicate": True})
    log.info("payment.received", order_id=match.order_id, status=match.status.value,
             paid=match.mark_paid)  # fmt: skip
    return Answer(200, {"success": True, "status": match.status.value})


async def payments_for_staff(pool: asyncpg.Pool, tenant_id: int | None) -> list[dict[str, Any]]:
    """Partial, overpaid and unmatched transfers nobody resolved (tenant None: matched no one)."""
    return [dict(r) for r in await pool.fetch(query("payments_for_staff"), tenant_id)]


def payment_replayer(pool: asyncpg.Pool) -> Replayer:
    """`chotdon deliveries replay` for the generic endpoint: a dead letter whose signature was
    checked when it came, read again and settled as the live route would, once (payments are
    unique per source and transaction, so a second replay pays nothing)."""

    async def replay(delivery: StoredDelivery) -> Replayed:
        try:
            notice = _notice(delivery.body)
        except (orjson.JSONDecodeError, ValidationError) as exc:
            return Replayed(DeliveryStatus.UNREADABLE, f"{NOT_A_NOTICE}: {str(exc)[:300]}")
        async with pool.acquire() as conn, conn.transaction():
            match = await apply_payment(conn, delivery.id, notice)
        if match is None:
            return Replayed(DeliveryStatus.DUPLICATE, f"transaction {notice.transaction_id}")
        return Replayed(DeliveryStatus.PROCESSED, tenant_id=match.tenant_id)

    return replay
