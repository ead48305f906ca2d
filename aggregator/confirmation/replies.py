"""Confirm by replying to our message: "ok", "xác nhận", "đồng ý", or a phone and an address.

A reply confirms the buyer's newest unconfirmed order on that channel only when it then has all a
courier needs: the name, phone and address from the reply, this order, or what the buyer
confirmed last time. Otherwise what the reply gave is kept on the order and the buyer is asked for
the rest through the link. Every reply leaves an order_events row with what was read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import asyncpg
import structlog
from arq.connections import ArqRedis

from aggregator.confirmation.addresses import divisions
from aggregator.confirmation.errors import BuyerFacingError
from aggregator.confirmation.forms import read_delivery
from aggregator.confirmation.service import BuyerRequest, submit
from aggregator.confirmation.view import OrderPage, load_order_page
from aggregator.core.replies import ReplyReading, read_reply
from aggregator.orders.consent import CHAT_REPLY, Consent, notice_for
from aggregator.orders.state import EventRow, record_events
from aggregator.runtime import jobs
from schema.enums import PaymentMethod, Platform
from schema.queries import query

log = structlog.get_logger()
ACTOR = "buyer:reply"


@dataclass(frozen=True, slots=True)
class ReplyOutcome:
    order_id: int | None
    confirmed: bool = False
    missing: tuple[str, ...] = field(default_factory=tuple)


def reply_job_id(platform: Platform, message_id: str) -> str:
    return f"buyer-reply:{platform.value}:{message_id}"


async def enqueue_buyer_reply(
    arq: ArqRedis,
    platform: Platform,
    channel_external_id: str,
    sender_id: str,
    message_id: str,
    text: str,
) -> None:
    """Hand a private message from a buyer (Messenger, Zalo OA) to the reply job, once."""
    await arq.enqueue_job(
        jobs.BUYER_REPLY, platform.value, channel_external_id, sender_id, text[:500],
        _job_id=reply_job_id(platform, message_id),
    )  # fmt: skip


def _delivery_form(page: OrderPage, reading: ReplyReading) -> dict[str, str]:
    """What the order would be confirmed with: the reply's phone/address over the known ones."""
    known = page.prefill
    method = page.payment_method
    return {
        "name": known.name,
        "phone": reading.phone or known.phone,
        "province": known.province_code,
        "ward": known.ward_code,
        "address": reading.address or known.address_line,
        "note": page.note,
        "payment": method.value if method in (PaymentMethod.COD, PaymentMethod.VIETQR) else "cod",
    }


async def _record(pool: asyncpg.Pool, page: OrderPage, reading: ReplyReading, note: str) -> None:
    data = {"confirm": reading.confirm, "cancel": reading.cancel, "phone": reading.phone,
            "address_line": reading.address, "outcome": note}  # fmt: skip
    async with pool.acquire() as conn:
        await record_events(
            conn, [EventRow(page.tenant_id, page.id, ACTOR, "buyer_reply", reason=note, data=data)]
        )


async def _earlier_consent(pool: asyncpg.Pool, page: OrderPage, via: str) -> Consent | None:
    """A buyer who agreed to the notice on an earlier order may confirm by a reply; the consent
    row then points at the notice in force now (Law 91/2025/QH15: consent is recorded)."""
    if not await pool.fetchval(query("buyer_has_consented"), page.tenant_id, page.buyer_id):
        return None
    notice = await notice_for(pool, page.tenant_id, page.tenant_name)
    return Consent(notice, source=CHAT_REPLY, actor=ACTOR, user_agent=via)


async def confirm_by_reply(
    pool: asyncpg.Pool, order_id: int, text: str, *, via: str = "reply"
) -> ReplyOutcome:
    """Read the reply and confirm the order if it says so and nothing is missing."""
    reading = read_reply(text)
    async with pool.acquire() as conn:
        page = await load_order_page(conn, order_id)
    if page is None or not page.editable or not reading.anything:
        return ReplyOutcome(order_id if page else None)
    errors: dict[str, str] = {}
    accepts = page.bank is not None
    delivery = read_delivery(
        _delivery_form(page, reading), divisions(), accepts, errors,
        cod_allowed=not page.prepay_required,
    )  # fmt: skip
    if not reading.confirm or errors:
        missing = tuple(sorted(errors)) if reading.confirm else ()
        await _record(pool, page, reading, f"needs {', '.join(missing)}" if missing else "noted")
        return ReplyOutcome(page.id, missing=missing)
    consent = await _earlier_consent(pool, page, via)
    if consent is None:  # never read the notice: the reply cannot stand for consent
        await _record(pool, page, reading, "needs consent")
        return ReplyOutcome(page.id, missing=("consent",))
    request = BuyerRequest(page.id, page.digest, delivery=delivery, user_agent=via, actor=ACTOR,
                           consent=consent)  # fmt: skip
    try:
        await submit(pool, request)
    except BuyerFacingError as exc:  # the order changed or left confirmation meanwhile
        await _record(pool, page, reading, f"refused: {type(exc).__name__}")
        return ReplyOutcome(page.id)
    return ReplyOutcome(page.id, confirmed=True)


async def handle_buyer_reply(
    pool: asyncpg.Pool, platform: Platform, channel_external_id: str, sender_id: str, text: str
) -> ReplyOutcome:
    """A private message from a buyer: apply it to their newest unconfirmed order there."""
    channel_id = await pool.fetchval(
        query("channel_by_platform_id"), platform.value, channel_external_id
    )
    if channel_id is None:
        return ReplyOutcome(None)
    order_ids = await pool.fetch(query("orders_of_buyer_identity"), channel_id, sender_id)
    if not order_ids:
        return ReplyOutcome(None)
    outcome = await confirm_by_reply(pool, order_ids[0]["id"], text, via=f"{platform.value} reply")
    log.info("order.buyer_reply", order_id=outcome.order_id, confirmed=outcome.confirmed,
             missing=list(outcome.missing))  # fmt: skip
    return outcome
