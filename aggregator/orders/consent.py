"""The buyer's notice and consent: which words they read, that they agreed, when and where.

The notice is built from the cooperative's name and its retention schedule (so the days it
states are the days the cron job applies), stored once per distinct text, and every confirmation
records a consent row pointing at it, in the confirmation's own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from aggregator.core.privacy import DataKind, Notice, buyer_notice, schedule
from aggregator.runtime.db import Connection
from schema.queries import query

BUYER_PAGE = "buyer_page"
PHONE_CALL = "phone_call"
CHAT_REPLY = "chat_reply"
MAX_USER_AGENT = 300


@dataclass(frozen=True, slots=True)
class Consent:
    """What the buyer agreed to: the notice shown, from which page, by whom it was asked."""

    notice: Notice
    source: str = BUYER_PAGE
    actor: str = "buyer"
    user_agent: str = ""


async def retention_days(conn: Connection | asyncpg.Pool, tenant_id: int) -> dict[DataKind, int]:
    rows = await conn.fetch(query("retention_overrides"), tenant_id)
    return schedule({r["kind"]: r["days"] for r in rows})


async def notice_for(conn: Connection | asyncpg.Pool, tenant_id: int, name: str) -> Notice:
    """The notice the cooperative's buyers read now."""
    return buyer_notice(name, await retention_days(conn, tenant_id))


async def record_consent(
    conn: Connection, tenant_id: int, order_id: int, buyer_id: int, consent: Consent
) -> int:
    notice_id = await conn.fetchval(
        query("save_privacy_notice"), tenant_id, consent.notice.sha256, consent.notice.body
    )
    return int(
        await conn.fetchval(
            query("record_consent"),
            tenant_id,
            order_id,
            buyer_id,
            notice_id,
            consent.source,
            consent.actor,
            consent.user_agent[:MAX_USER_AGENT],
        )
    )
