"""Consent to the personal-data notice, for tests that confirm orders."""

from __future__ import annotations

import asyncpg

from aggregator.core.privacy import buyer_notice, schedule
from aggregator.orders.consent import Consent

# What a test buyer agreed to when a test confirms through the service directly.
CONSENT = Consent(buyer_notice("HTX thử nghiệm", schedule({})), user_agent="test")


async def agreed_before(db: asyncpg.Connection, order_id: int) -> int:
    """Record that the buyer of `order_id` agreed to a notice (as a page confirmation does)."""
    order = await db.fetchrow("SELECT tenant_id, buyer_id FROM orders WHERE id = $1", order_id)
    notice = await db.fetchval(
        "INSERT INTO privacy_notices (tenant_id, sha256, body) VALUES ($1, 'test', 'Thông báo') "
        "ON CONFLICT (tenant_id, sha256) DO UPDATE SET body = excluded.body RETURNING id",
        order["tenant_id"],
    )
    return int(
        await db.fetchval(
            "INSERT INTO privacy_consents (tenant_id, order_id, buyer_id, notice_id, source, "
            "actor) VALUES ($1, $2, $3, $4, 'buyer_page', 'buyer') RETURNING id",
            order["tenant_id"],
            order_id,
            order["buyer_id"],
            notice,
        )
    )
