"""The lives `chotdon bench dashboard` serves: comments of the last hour, orders with lines in a
mix of states, and a director. Set-based SQL on the throw-away database (the triggers of
migration 0033 count what is stored, as they do in production)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg

from aggregator.runtime.db import Connection
from aggregator.staff.accounts import hash_password

BENCH_PASSWORD = "bench-director-2026"
HOUR_S = 3600.0


async def seed_comments(conn: Connection, tenant_id: int, count: int) -> int:
    """`count` processed comments spread over the last hour, round-robin over the lives."""
    sessions = await conn.fetch(
        "SELECT s.id, s.channel_id, c.external_id AS page, s.external_live_id "
        "FROM live_sessions s JOIN channels c ON c.id = s.channel_id "
        "WHERE s.tenant_id = $1 ORDER BY s.id",
        tenant_id,
    )
    now = datetime.now(UTC)
    records = []
    for n in range(count):
        s = sessions[n % len(sessions)]
        at = now - timedelta(seconds=HOUR_S * (count - n) / count)
        records.append((
            tenant_id, "facebook", s["page"], f"seed-{n}", s["channel_id"], s["id"],
            s["external_live_id"], f"seed-buyer-{n % 4000}", "Khách", "chốt A01 x2", at,
            "order", "processed", at,
        ))  # fmt: skip
    columns = ["tenant_id", "platform", "channel_external_id", "external_id", "channel_id",
               "session_id", "external_live_id", "author_external_id", "author_name", "body",
               "commented_at", "intent", "status", "processed_at"]  # fmt: skip
    await conn.copy_records_to_table("comments", records=records, columns=columns)
    return count


async def seed_orders(conn: Connection, tenant_id: int, count: int) -> None:
    """`count` orders over the lives, each with a buyer of its own and two lines, created over
    the last hour in a mix of states (a tenth cancelled, some confirmed, paid, shipped)."""
    await conn.execute(
        """
        WITH s AS (
            SELECT id, channel_id, row_number() OVER (ORDER BY id) - 1 AS k,
                   count(*) OVER () AS lives
            FROM live_sessions WHERE tenant_id = $1
        ), b AS (
            INSERT INTO buyers (tenant_id, display_name)
            SELECT $1, 'Khách ' || g FROM generate_series(1, $2) g
            RETURNING id
        ), nb AS (
            SELECT id, row_number() OVER (ORDER BY id) AS g FROM b
        ), bi AS (
            INSERT INTO buyer_identities (tenant_id, buyer_id, channel_id, external_user_id)
            SELECT $1, nb.id, s.channel_id, 'seed-buyer-' || nb.g
            FROM nb JOIN s ON s.k = nb.g % s.lives
            RETURNING id, buyer_id, channel_id
        )
        INSERT INTO orders (tenant_id, session_id, buyer_id, buyer_identity_id, source, status,
                            subtotal_vnd, total_vnd, payment_method, paid_at, created_at)
        SELECT $1, s.id, bi.buyer_id, bi.id, 'comment',
               (ARRAY['awaiting_confirmation', 'awaiting_confirmation', 'confirmed',
                      'confirmed', 'packed', 'shipped', 'delivered', 'awaiting_confirmation',
                      'confirmed', 'cancelled'])[1 + bi.id % 10],
               420000, 420000, CASE WHEN bi.id % 4 = 0 THEN 'vietqr' ELSE 'cod' END,
               CASE WHEN bi.id % 4 = 0 THEN now() END,
               now() - (bi.id % 3600) * interval '1 second'
        FROM bi JOIN s ON s.channel_id = bi.channel_id
        """,
        tenant_id,
        count,
    )
    await conn.execute(
        """
        INSERT INTO order_items (tenant_id, order_id, product_id, code, qty, unit_price_vnd,
                                 status)
        SELECT o.tenant_id, o.id, p.id, p.code, 2 - (p.code = 'N01')::int,
               CASE p.code WHEN 'A01' THEN 180000 ELSE 60000 END,
               CASE WHEN o.id % 7 = 0 THEN 'waitlisted' ELSE 'requested' END
        FROM orders o JOIN products p ON p.tenant_id = o.tenant_id AND p.code IN ('A01', 'N01')
        WHERE o.tenant_id = $1
        """,
        tenant_id,
    )


async def seed_director(conn: Connection, tenant_id: int) -> asyncpg.Record:
    """The director who watches; the row new_session() takes."""
    row = await conn.fetchrow(
        "INSERT INTO staff (tenant_id, login, display_name, role, password_hash) "
        "VALUES ($1, 'bench-director', 'Giám đốc', 'director', $2) "
        "RETURNING id, tenant_id, login, display_name, role",
        tenant_id,
        hash_password(BENCH_PASSWORD),
    )
    assert row is not None
    return row
