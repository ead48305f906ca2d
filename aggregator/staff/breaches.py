"""The breach log: what happened, whom it touched, what was done, and the 72-hour clock.

The clock starts when the breach was found (the director types that time, in Vietnam time);
the page shows the time left to report it to the authority (Law 91/2025/QH15: within 72 hours),
and whether the report went in time once it is marked as sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from aggregator.confirmation.summary import VIETNAM
from aggregator.errors import BadInputError
from aggregator.staff.accounts import StaffUser
from schema.queries import query

STEPS = ("reported", "buyers_told", "closed")
MAX_TEXT = 4000


@dataclass(frozen=True, slots=True)
class BreachForm:
    detected_at: datetime
    description: str
    data_kinds: str
    buyers_affected: int | None
    measures: str


def read_breach(form: Mapping[str, str], now: datetime) -> BreachForm:
    """The form (found at: 'YYYY-MM-DDTHH:MM' in Vietnam time, as a datetime-local input sends)."""
    try:
        found = datetime.strptime(form.get("detected_at", "").strip(), "%Y-%m-%dT%H:%M")
    except ValueError:
        raise BadInputError("Hãy nhập thời điểm phát hiện (ngày và giờ).") from None
    detected = found.replace(tzinfo=VIETNAM)
    if detected > now:
        raise BadInputError("Thời điểm phát hiện không thể ở tương lai.")
    description = form.get("description", "").strip()
    if not 3 <= len(description) <= MAX_TEXT:
        raise BadInputError("Hãy mô tả sự cố (ít nhất 3 ký tự).")
    affected = form.get("buyers_affected", "").strip()
    if affected and not affected.isdigit():
        raise BadInputError("Số người mua bị ảnh hưởng phải là số nguyên.")
    return BreachForm(
        detected, description, form.get("data_kinds", "").strip()[:MAX_TEXT],
        int(affected) if affected else None, form.get("measures", "").strip()[:MAX_TEXT],
    )  # fmt: skip


async def record_breach(pool: asyncpg.Pool, staff: StaffUser, breach: BreachForm) -> int:
    return int(
        await pool.fetchval(
            query("record_breach"),
            staff.tenant_id,
            breach.detected_at,
            staff.actor,
            breach.description,
            breach.data_kinds,
            breach.buyers_affected,
            breach.measures,
        )
    )


async def mark_breach(
    pool: asyncpg.Pool, staff: StaffUser, breach_id: int, step: str, measures: str
) -> bool:
    if step not in STEPS:
        raise BadInputError(f"unknown step {step!r}")
    done = await pool.execute(query("mark_breach"), staff.tenant_id, breach_id, step,
                              measures.strip()[:MAX_TEXT])  # fmt: skip
    return not done.endswith(" 0")


async def breaches(pool: asyncpg.Pool, tenant_id: int) -> list[asyncpg.Record]:
    return list(await pool.fetch(query("breaches_of_tenant"), tenant_id))
