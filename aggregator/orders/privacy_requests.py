"""A buyer's rights from their order link, and staff answering them by a deadline.

From the link (the signed token is the key; it opens the data of that order's buyer only, never
of other buyers sharing a phone, since anyone may type any phone as a recipient) the buyer sees
and downloads what the cooperative holds on them, and asks for erasure. Seeing and downloading
are immediate and recorded; erasure opens a request due in `privacy_request_days`, which staff
carry out (the same erasure as `chotdon buyer erase`) or refuse with a reason on
/cai-dat/du-lieu-ca-nhan. Every step is a privacy_requests row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import structlog

from aggregator.errors import BadInputError, ConflictError, NotFoundError
from aggregator.orders.privacy import EXPORTED, Subject, erase_subject, plain_row
from schema.queries import query

log = structlog.get_logger()
ERASE, EXPORT = "erase", "export"
MAX_ANSWER = 1000


@dataclass(frozen=True, slots=True)
class OrderSubject:
    subject: Subject
    order_id: int
    order_no: str
    tenant_name: str


async def order_subject(conn: Any, order_id: int) -> OrderSubject:
    row = await conn.fetchrow(query("order_buyer_for_privacy"), order_id)
    if row is None:
        raise NotFoundError(f"order {order_id} does not exist")
    subject = Subject(row["tenant_id"], row["phone"] or "", [row["buyer_id"]])
    return OrderSubject(subject, row["id"], row["order_no"], row["tenant_name"])


async def buyer_data(conn: Any, subject: Subject) -> dict[str, Any]:
    """Everything held on the buyer of this link, as JSON-ready data."""
    data: dict[str, Any] = {}
    for name, sql in EXPORTED.items():
        rows = await conn.fetch(query(sql), subject.tenant_id, subject.buyer_ids)
        data[name] = [plain_row(r) for r in rows]
    blocked = await conn.fetch(query("privacy_blocked"), subject.tenant_id, subject.phone)
    data["blocked"] = [plain_row(r) for r in blocked] if subject.phone else []
    consents = await conn.fetch(query("consents_of_buyer"), subject.tenant_id,
                                subject.buyer_ids[0])  # fmt: skip
    data["consents"] = [plain_row(r) for r in consents]
    return data


async def show_to_buyer(pool: asyncpg.Pool, order_id: int) -> tuple[OrderSubject, dict[str, Any]]:
    """What the buyer's data page shows (reading it is not a request: nothing leaves)."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
        found = await order_subject(conn, order_id)
        data = await buyer_data(conn, found.subject)
        data["requests"] = [
            dict(r) for r in await conn.fetch(
                query("buyer_requests_of_order"), found.subject.tenant_id, order_id)
        ]  # fmt: skip
    return found, data


async def export_for_buyer(pool: asyncpg.Pool, order_id: int) -> dict[str, Any]:
    """The download: the same data, recorded as an export the buyer made from their link."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
        found = await order_subject(conn, order_id)
        data = await buyer_data(conn, found.subject)
        counts = {k: len(v) for k, v in data.items() if isinstance(v, list)}
        s = found.subject
        await conn.execute(query("record_buyer_export"), s.tenant_id, s.hint, s.buyer_ids,
                           counts, order_id)  # fmt: skip
    log.info("privacy.buyer_exported", tenant_id=s.tenant_id, order_id=order_id)
    return {"hop_tac_xa": found.tenant_name, "don": found.order_no, **data}


async def request_erasure(pool: asyncpg.Pool, order_id: int, days: int) -> datetime:
    """Open (or find the open) erasure request of this link's buyer; returns its due date."""
    due = datetime.now(UTC) + timedelta(days=days)
    async with pool.acquire() as conn, conn.transaction():
        found = await order_subject(conn, order_id)
        s = found.subject
        row = await conn.fetchrow(
            query("open_buyer_request"), s.tenant_id, order_id, ERASE, s.hint, s.buyer_ids, due
        )
    log.info("privacy.erasure_requested", tenant_id=s.tenant_id, order_id=order_id)
    assert row is not None  # inserted, or the open one that prevented the insert
    due_at: datetime = row["due_at"]
    return due_at


async def staff_requests(pool: asyncpg.Pool, tenant_id: int) -> list[asyncpg.Record]:
    return list(await pool.fetch(query("privacy_requests_for_staff"), tenant_id))


async def complete_request(
    pool: asyncpg.Pool, tenant_id: int, request_id: int, actor: str
) -> dict[str, int]:
    """Carry out an open erasure request; ConflictError while the buyer has an open order."""
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(query("lock_open_request"), tenant_id, request_id)
        if row is None:
            raise NotFoundError(f"no open request {request_id}")
        found = await order_subject(conn, row["order_id"])
        counts = await erase_subject(conn, found.subject, actor)
        await conn.execute(query("close_privacy_request"), tenant_id, request_id, "done", actor,
                           "Đã xoá dữ liệu cá nhân.", counts)  # fmt: skip
    log.info("privacy.request_done", tenant_id=tenant_id, request_id=request_id)
    return counts


async def refuse_request(
    pool: asyncpg.Pool, tenant_id: int, request_id: int, actor: str, reason: str
) -> None:
    """Refuse with a reason the buyer reads on their page (e.g. a legal duty to keep it)."""
    reason = reason.strip()
    if not 3 <= len(reason) <= MAX_ANSWER:
        raise BadInputError(f"reason must be 3 to {MAX_ANSWER} characters")
    done = await pool.execute(
        query("close_privacy_request"), tenant_id, request_id, "refused", actor, reason, {}
    )
    if done.endswith(" 0"):
        raise ConflictError(f"request {request_id} is not open")
    log.info("privacy.request_refused", tenant_id=tenant_id, request_id=request_id)
