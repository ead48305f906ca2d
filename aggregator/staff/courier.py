"""What staff see and do about an order's courier: the courier panel of the order page (risk,
block flag, where the parcel is and what the courier said, the courier's message, a corrected
address), the address fix that hands the order to the courier again, and the block list.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import asyncpg
import structlog
from arq.connections import ArqRedis

from aggregator.confirmation.addresses import Unit, address_text, divisions
from aggregator.confirmation.forms import MAX_ADDRESS, MESSAGES, clean_text
from aggregator.core.addresses import NewUnit, Resolution
from aggregator.core.incidents import ATTENTION, DANGER, SHIPMENT_TEXT, courier_says
from aggregator.core.parser.phone import normalize_phone
from aggregator.orders.risk import OrderRisk, order_risk
from aggregator.orders.state import EventRow, record_events, transition
from aggregator.shipping.addresses import resolve_address
from aggregator.shipping.handoff import enqueue_shipments
from aggregator.staff.accounts import StaffUser
from connectors.couriers.status_names import status_name
from schema.enums import Courier
from schema.queries import query
from schema.states import OrderStatus

log = structlog.get_logger()
MAX_REASON = 300
BLOCK_MESSAGES = {
    "phone": MESSAGES["phone"],
    "reason": f"Vui lòng ghi lý do chặn (1–{MAX_REASON} ký tự).",
}


@dataclass(frozen=True, slots=True)
class CourierPanel:
    risk: OrderRisk
    status: str
    reason: str  # why it needs an address: the courier's message or ours
    address: Resolution | None  # what chotdon makes of the stored address (needs_address only)
    province: str  # the province code the form shows
    provinces: tuple[Unit, ...]
    wards: tuple[Unit, ...]
    street: str
    courier: str | None
    tracking_code: str | None
    deliver_to: str  # the stored 2025 address in words, as the courier gets it
    parcel: ParcelNews | None = None  # the live shipment's latest courier news


@dataclass(frozen=True, slots=True)
class ParcelNews:
    """Where the parcel is, in Vietnamese, and what the courier said about it."""

    status: str  # a ShipmentStatus
    text: str  # chotdon's words for it
    said: str  # the courier's own status name and reason
    level: str  # "danger", "warn" or "" (the courier panel's colour)


def parcel_news(row: asyncpg.Record) -> ParcelNews | None:
    status = row["shipment_status"]
    if status is None or row["courier"] is None:
        return None
    courier = Courier(row["courier"])
    code = row["courier_status"] or ""
    said = courier_says(courier.value, status_name(courier, code), row["status_reason"] or "")
    level = "danger" if status in DANGER else "warn" if status in ATTENTION else ""
    return ParcelNews(status, SHIPMENT_TEXT.get(status, ""), said if code else "", level)


async def courier_panel(
    pool: asyncpg.Pool, staff: StaffUser, order_id: int, chosen_province: str = ""
) -> CourierPanel | None:
    async with pool.acquire() as conn:
        row = await conn.fetchrow(query("staff_order_courier"), staff.tenant_id, order_id)
        if row is None:
            return None
        risk = await order_risk(conn, order_id)
    address = None
    province = row["province_code"] or ""
    street = row["address_line"] or ""
    if row["status"] == OrderStatus.NEEDS_ADDRESS:
        address = resolve_address(row["province_code"], row["ward_code"], row["address_line"])
        province = address.province[0] if address.province else ""
        street = address.typed.street or street
    data = divisions()
    if chosen_province in data.wards:
        province = chosen_province
    return CourierPanel(
        risk, row["status"], row["needs_address_reason"] or "", address, province,
        data.provinces, data.wards.get(province, ()), street, row["courier"], row["tracking_code"],
        address_text(row["address_line"], row["ward_code"], row["province_code"]),
        parcel_news(row),
    )  # fmt: skip


@dataclass
class AddressForm:
    province: str = ""
    ward: str = ""
    street: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def read_address_form(form: Mapping[str, str]) -> AddressForm:
    """Province and ward must be a 2025 pair; the street 3–200 characters."""
    data = divisions()
    read = AddressForm(
        clean_text(form.get("province"), 10),
        clean_text(form.get("ward"), 10),
        clean_text(form.get("address"), MAX_ADDRESS).replace("\n", " "),
    )
    if read.province not in data.wards:
        read.errors["province"] = MESSAGES["province"]
    elif not data.ward_in(read.province, read.ward):
        read.errors["ward"] = MESSAGES["ward"]
    if not 3 <= len(read.street) <= MAX_ADDRESS:
        read.errors["address"] = MESSAGES["address"]
    return read


async def fix_address(
    pool: asyncpg.Pool, arq: ArqRedis, staff: StaffUser, order_id: int, form: AddressForm
) -> bool:
    """Store the corrected address and move the order back to packed, which books the parcel:
    once, because only the one request whose guarded move succeeds enqueues the booking."""
    actor = f"staff:{staff.id}"
    async with pool.acquire() as conn, conn.transaction():
        fixed = await conn.fetchval(
            query("fix_order_address"), staff.tenant_id, order_id, form.province, form.ward,
            form.street,
        )  # fmt: skip
        if fixed is None:
            return False
        await record_events(conn, [EventRow(staff.tenant_id, order_id, actor, "address_fixed")])
        moved = await transition(
            conn, [order_id], OrderStatus.PACKED, actor=actor, reason="sửa địa chỉ"
        )
    # A new job id: the first booking's id may still be taken in Redis by its finished job.
    await enqueue_shipments(arq, moved.moved, f":fix{time.time_ns()}")
    log.info("shipment.address_fixed", order_id=order_id, requeued=len(moved.moved))
    return bool(moved.moved)


def candidate_text(unit: NewUnit) -> str:
    return f"{unit.ward_name}, {unit.province_name}"


# --- block list ----------------------------------------------------------------------------


@dataclass
class BlockForm:
    phone: str = ""
    reason: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def read_block_form(form: Mapping[str, str]) -> BlockForm:
    phone = normalize_phone(clean_text(form.get("phone"), 40))
    reason = clean_text(form.get("reason"), MAX_REASON).replace("\n", " ")
    read = BlockForm(phone or clean_text(form.get("phone"), 40), reason)
    if phone is None:
        read.errors["phone"] = BLOCK_MESSAGES["phone"]
    if not 1 <= len(reason) <= MAX_REASON:
        read.errors["reason"] = BLOCK_MESSAGES["reason"]
    return read


async def blocked_phones(pool: asyncpg.Pool, tenant_id: int) -> list[asyncpg.Record]:
    return list(await pool.fetch(query("blocked_phones_of_tenant"), tenant_id))


async def block_phone(pool: asyncpg.Pool, tenant_id: int, phone: str, reason: str, by: str) -> None:
    await pool.execute(query("block_phone"), tenant_id, phone, reason, by)
    log.info("blocklist.added", tenant_id=tenant_id, phone=phone[:3] + "****" + phone[-3:])


async def unblock_phone(pool: asyncpg.Pool, tenant_id: int, phone: str) -> bool:
    removed = await pool.fetchval(query("unblock_phone"), tenant_id, phone)
    log.info("blocklist.removed", tenant_id=tenant_id, found=removed is not None)
    return removed is not None


async def blocked_orders(pool: asyncpg.Pool, tenant_id: int, order_ids: Sequence[int]) -> set[int]:
    """Of these orders, the ones whose buyer or recipient is on the block list (queue flag)."""
    rows = await pool.fetch(query("blocked_orders_of_queue"), tenant_id, list(order_ids))
    return {r["id"] for r in rows}


# --- order page --------------------------------------------------------------------------

FIX_NOTICES = {
    "address": "Đã sửa địa chỉ: đơn đã được gửi lại cho hãng vận chuyển.",
}


async def courier_context(
    pool: asyncpg.Pool, staff: StaffUser, order_id: int, params: Mapping[str, str]
) -> dict[str, object]:
    """What the order page's courier panel (_address_fix.html) shows; `params` is the query."""
    panel = await courier_panel(pool, staff, order_id, params.get("tinh", "")[:10])
    wrong = {f for f in params.get("loi", "").split(",") if f in ("province", "ward", "address")}
    return {
        "courier": panel,
        "courier_notice": FIX_NOTICES.get(params.get("done", ""), ""),
        "address_errors": {f: MESSAGES[f] for f in wrong},
        "candidate_text": candidate_text,
    }
