"""A buyer's personal data on request: export everything held on them, or erase it.

Erasure removes what identifies the buyer — names, phones, addresses, platform user ids, the
texts of their comments and of messages to them, raw webhook bodies naming them — and keeps what
the cooperative must keep for its tax declaration: order numbers, lines, totals, payment method
and dates. It is refused while one of their orders is still open (finish or cancel it first), is
written as one transaction, and is audited (a privacy_requests row and an event on each order).
The block list (blocked_phones) is kept: it records refused COD parcels, a fraud-prevention
record the cooperative has a legitimate interest in; the export shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import structlog

from aggregator.core.parser.phone import normalize_phone
from aggregator.errors import BadInputError, ConflictError, NotFoundError
from schema.queries import query

log = structlog.get_logger()
EXPORTED = {
    "buyers": "privacy_buyers", "identities": "privacy_identities", "orders": "privacy_orders",
    "order_items": "privacy_order_items", "order_events": "privacy_order_events",
    "shipments": "privacy_shipments", "payments": "privacy_payments",
    "comments": "privacy_comments", "messages": "privacy_messages",
}  # fmt: skip
ERASURES = (
    "erase_buyer_comments", "erase_buyer_messages", "erase_buyer_order_details",
    "erase_buyer_order_event_data", "erase_buyer_platform_payloads",
    "erase_buyer_shipment_events", "erase_buyer_payment_texts", "erase_buyer_identities",
    "erase_buyers",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Subject:
    tenant_id: int
    phone: str
    buyer_ids: list[int]

    @property
    def hint(self) -> str:
        return "********" + self.phone[-2:] if self.phone else ""


async def find_subject(conn: Any, tenant_slug: str, phone_text: str) -> Subject:
    phone = normalize_phone(phone_text)
    if phone is None:
        raise BadInputError("not a Vietnamese mobile number")
    tenant = await conn.fetchrow(query("tenant_by_slug"), tenant_slug)
    if tenant is None:
        raise NotFoundError(f"no cooperative {tenant_slug!r}")
    ids = [r["id"] for r in await conn.fetch(query("privacy_buyer_ids"), tenant["id"], phone)]
    if not ids:
        raise NotFoundError("no buyer with this phone in this cooperative")
    return Subject(tenant["id"], phone, ids)


def plain_row(row: asyncpg.Record) -> dict[str, Any]:
    return {k: v for k, v in dict(row).items() if not isinstance(v, bytes | memoryview)}


async def export_buyer(
    pool: asyncpg.Pool, tenant_slug: str, phone: str, actor: str
) -> dict[str, Any]:
    """Everything held on the buyer, as JSON-ready data; the export itself is audited."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
        subject = await find_subject(conn, tenant_slug, phone)
        data: dict[str, Any] = {"phone": subject.phone}
        for name, sql in EXPORTED.items():
            rows = await conn.fetch(query(sql), subject.tenant_id, subject.buyer_ids)
            data[name] = [plain_row(r) for r in rows]
        blocked = await conn.fetch(query("privacy_blocked"), subject.tenant_id, subject.phone)
        data["blocked"] = [plain_row(r) for r in blocked]
        counts = {k: len(v) for k, v in data.items() if isinstance(v, list)}
        await conn.execute(query("record_privacy_request"), subject.tenant_id, "export",
                           subject.hint, subject.buyer_ids, actor, counts)  # fmt: skip
    log.info("privacy.exported", tenant_id=subject.tenant_id, buyers=len(subject.buyer_ids))
    return data


async def erase_buyer(
    pool: asyncpg.Pool, tenant_slug: str, phone: str, actor: str
) -> dict[str, int]:
    """Erase the buyer's personal data in one transaction; returns rows touched per table."""
    async with pool.acquire() as conn, conn.transaction():
        subject = await find_subject(conn, tenant_slug, phone)
        counts = await erase_subject(conn, subject, actor)
        await conn.execute(query("record_privacy_request"), subject.tenant_id, "erase",
                           subject.hint, subject.buyer_ids, actor, counts)  # fmt: skip
    return counts


async def erase_subject(conn: Any, subject: Subject, actor: str) -> dict[str, int]:
    """The erasure itself, inside the caller's transaction (CLI by phone, staff page by order)."""
    tenant, ids = subject.tenant_id, subject.buyer_ids
    if await conn.fetchval(query("privacy_open_orders"), tenant, ids):
        raise ConflictError("the buyer has open orders: finish or cancel them first")
    identities = await conn.fetch(query("privacy_identities"), tenant, ids)
    needles = [n for n in (subject.phone, *(r["external_user_id"] for r in identities)) if n]
    counts = {"deliveries": _count(await conn.execute(
        query("erase_buyer_deliveries"), tenant, needles))}  # fmt: skip
    for name in ERASURES:
        counts[name.removeprefix("erase_").removeprefix("buyer_")] = _count(
            await conn.execute(query(name), tenant, ids)
        )
    await conn.execute(query("audit_buyer_erasure"), tenant, ids, actor)
    log.info("privacy.erased", tenant_id=tenant, counts=counts)
    return counts


def _count(status: str) -> int:
    """Rows touched, from asyncpg's command tag ("UPDATE 3")."""
    return int(status.rsplit(" ", 1)[-1])


async def purge_webhook_bodies(pool: asyncpg.Pool, days: int, batch: int = 5_000) -> int:
    """Empty raw webhook bodies older than `days` (0: keep them), a batch per statement so no
    lock is held long; returns how many were emptied."""
    if days <= 0:
        return 0
    cutoff = datetime.now(UTC) - timedelta(days=days)
    emptied = 0
    while True:
        done = _count(await pool.execute(query("purge_webhook_bodies"), cutoff, batch))
        emptied += done
        if done < batch:
            break
    if emptied:
        log.info("privacy.webhook_bodies_purged", emptied=emptied, days=days)
    return emptied
