"""The order queue staff work from: filters, search, one order's page (confirming by phone:
staff/phone.py).

Every query takes the staff member's tenant id: an order of another cooperative is never found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import asyncpg

from aggregator.core.incidents import ATTENTION
from aggregator.core.risk import RiskLevel
from aggregator.core.staff import like_pattern, phone_digits
from aggregator.staff.accounts import StaffUser
from schema.enums import Platform
from schema.queries import query
from schema.states import OrderStatus

PAGE_SIZE = 25
PARCEL_TROUBLE = "su-co"  # the queue's filter for every parcel in trouble


@dataclass(frozen=True, slots=True)
class QueueFilter:
    live: int | None = None
    status: OrderStatus | None = None
    search: str = ""
    page: int = 1
    platform: Platform | None = None
    risk: RiskLevel | None = None  # this level or higher
    parcel: str = ""  # a shipment status, or PARCEL_TROUBLE for any of ATTENTION


@dataclass(frozen=True, slots=True)
class QueuePage:
    orders: list[asyncpg.Record]
    has_next: bool


@dataclass(frozen=True, slots=True)
class OrderView:
    order: asyncpg.Record
    lines: list[asyncpg.Record]
    comments: list[asyncpg.Record]
    events: list[asyncpg.Record]
    extra: dict[str, Any] = field(default_factory=dict)


def _search_terms(search: str) -> tuple[str | None, str | None]:
    """(name pattern, phone): a search that reads as a phone number looks up phones only."""
    text = search.strip()
    if not text:
        return None, None
    phone = phone_digits(text)
    if phone is not None:
        return None, phone
    return like_pattern(text), None


async def order_queue(pool: asyncpg.Pool, staff: StaffUser, wanted: QueueFilter) -> QueuePage:
    name, phone = _search_terms(wanted.search)
    rows = await pool.fetch(
        query("staff_order_queue"), staff.tenant_id, wanted.live,
        wanted.status.value if wanted.status else None, name, phone, PAGE_SIZE + 1,
        (wanted.page - 1) * PAGE_SIZE, wanted.platform.value if wanted.platform else None,
        int(wanted.risk) if wanted.risk is not None else None, _parcel_statuses(wanted.parcel),
    )  # fmt: skip
    return QueuePage(list(rows[:PAGE_SIZE]), len(rows) > PAGE_SIZE)


def _parcel_statuses(parcel: str) -> list[str] | None:
    if parcel == PARCEL_TROUBLE:
        return sorted(ATTENTION)
    return [parcel] if parcel in ATTENTION else None


async def lives(pool: asyncpg.Pool, staff: StaffUser) -> list[asyncpg.Record]:
    return list(await pool.fetch(query("staff_lives"), staff.tenant_id))


async def order_view(pool: asyncpg.Pool, staff: StaffUser, order_id: int) -> OrderView | None:
    """The order with its lines, the buyer's comments and its event log; None if not ours."""
    async with pool.acquire() as conn:
        order = await conn.fetchrow(query("staff_order"), staff.tenant_id, order_id)
        if order is None:
            return None
        args = (staff.tenant_id, order_id)
        return OrderView(
            order,
            list(await conn.fetch(query("staff_order_lines"), *args)),
            list(await conn.fetch(query("staff_order_comments"), *args)),
            list(await conn.fetch(query("staff_order_events"), *args)),
        )


async def confirmation_rates(pool: asyncpg.Pool, staff: StaffUser) -> list[dict[str, object]]:
    """Per recent live: orders from comments, how many were confirmed, the rate in percent."""
    rows = await pool.fetch(query("confirmation_rates"), staff.tenant_id)
    return [
        {**dict(r), "rate": round(100 * r["confirmed"] / r["orders"]) if r["orders"] else None}
        for r in rows
    ]
