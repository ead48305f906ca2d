"""The buyer confirms the order: one transaction, through the stock and state modules.

Lock order (the merge's, so the two never deadlock): the live's merge lock, then the order row,
then its lines, then stock rows in key order. What confirming holds depends on the live's hold
mode (aggregator/orders/holds.py): in first_confirm, what is left (first to confirm wins).
Every step leaves an order_events row: what the buyer confirmed, when, from which browser.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import asyncpg
import structlog

from aggregator.confirmation.errors import (
    ConsentMissingError,
    EmptyOrderError,
    NotEditableError,
    NothingHeldError,
    StaleOrderError,
)
from aggregator.confirmation.forms import Delivery
from aggregator.confirmation.quantities import ACTOR, apply_quantities
from aggregator.confirmation.view import COUNTED, OrderPage, PageLine, load_order_page
from aggregator.orders.consent import Consent, record_consent
from aggregator.orders.holds import hold_on_confirm
from aggregator.orders.loading import lock_session
from aggregator.orders.money import start_payment_deadline
from aggregator.orders.state import EventRow, record_events, transition
from aggregator.orders.totals import recompute_totals
from aggregator.runtime.db import Connection
from schema.enums import ItemStatus
from schema.queries import query
from schema.states import OrderStatus

log = structlog.get_logger()
MAX_USER_AGENT = 300
WANTED = frozenset({ItemStatus.REQUESTED, ItemStatus.HELD, ItemStatus.WAITLISTED})


@dataclass(frozen=True, slots=True)
class BuyerRequest:
    order_id: int
    digest: str  # what the page showed; if the order changed since, the buyer looks again
    quantities: dict[int, int] = field(default_factory=dict)
    delivery: Delivery | None = None  # None: only update the quantities
    user_agent: str = ""
    actor: str = ACTOR
    # Staff confirming by phone go through the same rules; their audit event says so.
    event_kind: str = "buyer_confirmed"
    reason: str = "buyer confirmed"
    # The notice the buyer agreed to (Law 91/2025/QH15): no confirmation goes through without it.
    consent: Consent | None = None


@dataclass(frozen=True, slots=True)
class BuyerOutcome:
    changed: bool
    confirmed: bool
    waitlisted: tuple[str, ...] = ()


async def locked_page(conn: Connection, order_id: int) -> OrderPage:
    """The order, locked for a change by its buyer, read after the locks were taken."""
    session_id = await conn.fetchval(query("order_session"), order_id)
    if session_id is not None:
        await lock_session(conn, session_id)
    if await conn.fetchrow(query("lock_order_for_buyer"), order_id) is None:
        raise NotEditableError(f"order {order_id} does not exist")
    await conn.fetch(query("lock_lines_for_buyer"), order_id)
    page = await load_order_page(conn, order_id)
    assert page is not None  # it exists: it is locked
    return page


def _confirmation_data(page: OrderPage, delivery: Delivery, user_agent: str) -> dict[str, object]:
    """What the buyer confirmed, for a dispute: lines, prices, total, recipient, device."""
    return {
        "lines": [
            {
                "code": ln.code,
                "variant": ln.variant,
                "qty": ln.qty,
                "status": ln.status.value,
                "unit_price_vnd": ln.unit_price_vnd,
                "name": ln.name,
            }
            for ln in page.lines
        ],
        "total_vnd": page.total_vnd,
        "payment_method": delivery.payment.value,
        "recipient_name": delivery.name,
        "recipient_phone": delivery.phone,
        "province_code": delivery.province_code,
        "ward_code": delivery.ward_code,
        "address_line": delivery.address_line,
        "note": delivery.note,
        "user_agent": user_agent[:MAX_USER_AGENT],
    }


async def _confirm(conn: Connection, page: OrderPage, request: BuyerRequest) -> list[PageLine]:
    delivery = request.delivery
    assert delivery is not None
    if request.consent is None:
        raise ConsentMissingError(f"order {page.id}: no consent to the notice")
    if not any(ln.status in WANTED for ln in page.lines):
        raise EmptyOrderError(f"order {page.id} has no line to confirm")
    if not any(ln.status in COUNTED for ln in page.lines):  # only waitlisted or unclear lines
        raise NothingHeldError(f"order {page.id} holds nothing to ship")
    waiting = set(await hold_on_confirm(conn, page.id))  # by the live's hold mode
    waitlisted = [ln for ln in page.lines if ln.id in waiting]
    d = delivery
    await conn.execute(
        query("save_buyer_confirmation"),
        page.id,
        d.name,
        d.phone,
        d.province_code,
        d.ward_code,
        d.address_line,
        d.note,
        d.payment.value,
    )
    # The address may name a province of the director's fee table (core/shop_texts.py).
    await recompute_totals(conn, [page.id])
    await conn.execute(
        query("save_buyer_address"),
        page.buyer_id,
        d.name,
        d.province_code,
        d.ward_code,
        d.address_line,
    )
    moved = await transition(
        conn, [page.id], OrderStatus.CONFIRMED, actor=request.actor, reason=request.reason
    )
    if not moved.moved:
        raise NotEditableError(f"order {page.id} cannot be confirmed from {page.status}")
    await start_payment_deadline(conn, page.id)  # only an order that must prepay gets one
    final = await load_order_page(conn, page.id)
    assert final is not None
    event = EventRow(
        page.tenant_id,
        page.id,
        request.actor,
        request.event_kind,
        reason=request.reason,
        data=_confirmation_data(final, d, request.user_agent),
    )
    await record_events(conn, [event])
    await record_consent(conn, page.tenant_id, page.id, page.buyer_id, request.consent)
    return waitlisted


async def submit(pool: asyncpg.Pool, request: BuyerRequest) -> BuyerOutcome:
    """Apply the buyer's quantities and, if they pressed confirm, confirm; all or nothing."""
    async with pool.acquire() as conn, conn.transaction():
        page = await locked_page(conn, request.order_id)
        if not page.editable:
            raise NotEditableError(f"order {page.id} is {page.status}")
        if request.digest != page.digest:
            raise StaleOrderError(f"order {page.id} changed since the page was shown")
        changed = await apply_quantities(conn, page, request.quantities, request.actor)
        if request.delivery is None:
            return BuyerOutcome(changed=changed, confirmed=False)
        if changed:
            reloaded = await load_order_page(conn, page.id)
            assert reloaded is not None
            page = reloaded
        waitlisted = await _confirm(conn, page, request)
    log.info(
        "order.confirmed",
        order_id=page.id,
        tenant_id=page.tenant_id,
        via=request.actor,
        payment=request.delivery.payment.value,
        waitlisted=len(waitlisted),
    )
    return BuyerOutcome(changed, True, tuple(ln.code for ln in waitlisted))
