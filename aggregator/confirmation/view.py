"""What the order page and the buyer's message show, read from Postgres in three queries."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aggregator.core.promotion import promotion_of
from aggregator.core.vietqr import BankAccount
from aggregator.orders.risk import order_risk
from aggregator.runtime.db import Connection
from schema.enums import HoldMode, ItemStatus, PaymentMethod
from schema.queries import query
from schema.states import OrderStatus

EDITABLE = frozenset({OrderStatus.DRAFT, OrderStatus.AWAITING_CONFIRMATION})
COUNTED = frozenset({ItemStatus.REQUESTED, ItemStatus.HELD})


@dataclass(frozen=True, slots=True)
class PageLine:
    id: int
    product_id: int | None
    code: str
    variant: str
    qty: int
    unit_price_vnd: int
    status: ItemStatus
    name: str
    origin_name: str | None
    origin_province: str | None
    ocop_stars: int | None
    certificate_no: str | None
    photo_version: int | None = None  # the photo's last change (seconds); None: no photo
    batch_public_code: str | None = None  # the batch it ships from: its public origin page
    batch_code: str | None = None

    @property
    def amount_vnd(self) -> int:
        return self.qty * self.unit_price_vnd if self.status in COUNTED else 0

    @property
    def editable(self) -> bool:
        return self.status is not ItemStatus.UNCLEAR


@dataclass(frozen=True, slots=True)
class Prefill:
    name: str = ""
    phone: str = ""
    province_code: str = ""
    ward_code: str = ""
    address_line: str = ""


@dataclass(frozen=True, slots=True)
class OrderPage:
    id: int
    tenant_id: int
    order_no: str
    status: OrderStatus
    session_id: int | None
    live_id: int | None  # the live whose one stock pool the lines hold from
    buyer_id: int
    hold_mode: HoldMode
    subtotal_vnd: int
    shipping_vnd: int
    total_vnd: int
    payment_method: PaymentMethod
    paid_at: datetime | None
    note: str
    confirm_deadline: datetime | None
    tenant_name: str
    bank: BankAccount | None
    shipping_estimate_vnd: int | None
    lines: tuple[PageLine, ...]
    prefill: Prefill
    # The director requires prepayment from this buyer's "bom hàng" risk level up: no COD.
    prepay_required: bool = False
    # The live's on-air promotion: its discount, free shipping, and how the buyer reads it.
    discount_vnd: int = 0
    free_shipping: bool = False
    promotion_text: str = ""
    # Money gates (0019): bank transfers so far, and when a prepaying buyer must have paid by.
    paid_vnd: int = 0
    payment_deadline: datetime | None = None
    # The cooperative's own wording of its messages (tenants.settings.message_templates, 0025).
    templates: dict[str, str] = field(default_factory=dict)

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def digest(self) -> str:
        """Changes when what the buyer would confirm changes (lines, quantities, total)."""
        return content_digest(self.lines, self.total_vnd)


def content_digest(lines: tuple[PageLine, ...], total_vnd: int) -> str:
    parts = [f"{ln.id}:{ln.code}:{ln.variant}:{ln.qty}:{ln.status.value}" for ln in lines]
    return hashlib.sha256(f"{'|'.join(parts)}#{total_vnd}".encode()).hexdigest()[:16]


def bank_of(tenant_settings: dict[str, Any]) -> BankAccount | None:
    """The cooperative's account for VietQR transfers (tenant settings `vietqr`), if set up."""
    raw = tenant_settings.get("vietqr") or {}
    try:
        return BankAccount(
            str(raw.get("bank_bin", "")),
            str(raw.get("account_no", "")),
            str(raw.get("account_name", "")),
        )
    except ValueError:
        return None


def _promotion_text(data: Any) -> str:
    promotion = promotion_of(data)
    return promotion.describe() if promotion else ""


def _line(r: Any) -> PageLine:
    return PageLine(
        r["id"],
        r["product_id"],
        r["code"],
        r["variant"],
        r["qty"],
        r["unit_price_vnd"],
        ItemStatus(r["status"]),
        r["name"] or r["code"],
        r["origin_name"],
        r["origin_province"],
        r["ocop_stars"],
        r["certificate_no"],
        r["photo_version"],
        r["batch_public_code"],
        r["batch_code"],
    )


def _prefill_of(row: Any, name: str, phone: str) -> Prefill:
    return Prefill(
        row[name] or "",
        row[phone] or "",
        row["province_code"] or "",
        row["ward_code"] or "",
        row["address_line"] or "",
    )


async def _prefill(conn: Connection, row: Any) -> Prefill:
    if row["recipient_phone"] is not None:  # this order was confirmed before: show what it holds
        return _prefill_of(row, "recipient_name", "recipient_phone")
    last = await conn.fetchrow(query("buyer_last_address"), row["buyer_id"])
    return Prefill() if last is None else _prefill_of(last, "full_name", "phone")


async def load_order_page(conn: Connection, order_id: int) -> OrderPage | None:
    row = await conn.fetchrow(query("order_for_buyer_page"), order_id)
    if row is None:
        return None
    lines = tuple(_line(r) for r in await conn.fetch(query("lines_for_buyer_page"), order_id))
    settings = row["tenant_settings"] or {}
    estimate = settings.get("shipping_estimate_vnd")
    return OrderPage(
        id=row["id"],
        tenant_id=row["tenant_id"],
        order_no=row["order_no"],
        status=OrderStatus(row["status"]),
        session_id=row["session_id"],
        live_id=row["live_id"],
        buyer_id=row["buyer_id"],
        hold_mode=HoldMode(row["hold_mode"]),
        subtotal_vnd=row["subtotal_vnd"],
        shipping_vnd=row["shipping_vnd"],
        total_vnd=row["total_vnd"],
        payment_method=PaymentMethod(row["payment_method"]),
        paid_at=row["paid_at"],
        note=row["note"],
        confirm_deadline=row["confirm_deadline"],
        tenant_name=row["tenant_name"],
        bank=bank_of(settings),
        shipping_estimate_vnd=int(estimate) if isinstance(estimate, int) else None,
        lines=lines,
        prefill=await _prefill(conn, row),
        prepay_required=(await order_risk(conn, order_id)).prepay_required,
        discount_vnd=row["discount_vnd"],
        free_shipping=row["free_shipping"],
        promotion_text=_promotion_text(row["promotion"]),
        paid_vnd=row["paid_vnd"],
        payment_deadline=row["payment_deadline"],
        templates=dict(settings.get("message_templates") or {}),
    )
