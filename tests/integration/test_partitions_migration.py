"""Migration 0034 on a database with rows: every row, id and key is carried into the month
partitions, the months of old rows are made, and triggers other migrations put on the tables
(a counter kept by a statement trigger, say) are kept without firing on the copy, and so are
their indexes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from aggregator.runtime.db import connect
from schema.migrate import migrate
from tests.integration.test_migrations import _migrate_up_to
from tests.support.databases import create_empty_database, drop_database, with_database
from tests.support.factories import seed_shop
from tests.support.staff import add_order

COUNTER = """
CREATE TABLE comment_counter (n bigint NOT NULL);
INSERT INTO comment_counter VALUES (0);
CREATE FUNCTION count_comments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE comment_counter SET n = n + (SELECT count(*) FROM added);
    RETURN NULL;
END $$;
CREATE TRIGGER comments_counted AFTER INSERT ON comments REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION count_comments();
CREATE INDEX comments_by_body ON comments (session_id, body) WHERE intent = 'question';
"""
TABLES = ("comments", "webhook_deliveries", "order_events", "outbound_messages")


@pytest.fixture
async def empty_url(admin_url: str) -> AsyncIterator[str]:
    name = await create_empty_database(admin_url)
    yield with_database(admin_url, name)
    await drop_database(admin_url, name)


async def _rows(conn: asyncpg.Connection) -> dict[str, list[int]]:
    return {t: [r[0] for r in await conn.fetch(f"SELECT id FROM {t} ORDER BY id")] for t in TABLES}


async def test_0034_carries_rows_ids_keys_and_other_triggers_into_month_partitions(
    empty_url: str,
) -> None:
    conn = await connect(empty_url)
    try:
        await _migrate_up_to(conn, 33)
        await conn.execute(COUNTER)
        shop = await seed_shop(conn)
        order_id = await add_order(conn, shop, comment="chốt A01")
        old = datetime.now(UTC) - timedelta(days=160)
        await conn.execute(
            "INSERT INTO order_events (tenant_id, order_id, actor, kind, at) "
            "VALUES ($1, $2, 'test', 'note', $3)", shop.tenant_id, order_id, old,
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO webhook_deliveries (source, delivery_key, verified, body, status) "
            "VALUES ('courier:ghn', 'k1', true, '\\x7b7d', 'processed')"
        )
        await conn.execute(
            "INSERT INTO outbound_messages (tenant_id, channel_id, kind, idempotency_key, body) "
            "VALUES ($1, $2, 'zalo.cs', 'cs:1', 'Dạ')", shop.tenant_id, shop.channel_id,
        )  # fmt: skip
        before = await _rows(conn)
        assert await conn.fetchval("SELECT n FROM comment_counter") == 1

        assert 34 in (await migrate(conn)).applied

        assert await _rows(conn) == before
        assert await conn.fetchval("SELECT n FROM comment_counter") == 1  # not fired by the copy
        carried = await conn.fetchval(
            "SELECT pg_get_indexdef('comments_by_body'::regclass)"
        )  # another migration's index, made again on the partitioned table
        assert carried.startswith("CREATE INDEX comments_by_body ON ONLY public.comments ")
        month = old.date().replace(day=1)
        assert await conn.fetchval(
            "SELECT tableoid::regclass::text FROM order_events WHERE at = $1", old
        ) == f"order_events_y{month:%Y}m{month:%m}"  # fmt: skip
        # The keys came along: repeats of the stored rows are skipped, new rows stored.
        repeat = await conn.execute(
            "INSERT INTO comments (tenant_id, platform, channel_external_id, external_id, "
            "channel_id, session_id, author_external_id, body, commented_at, intent) "
            "SELECT tenant_id, platform, channel_external_id, e, channel_id, session_id, 'u', "
            "'chốt', now(), 'order' FROM comments, unnest(ARRAY[external_id, 'new']) e",
        )
        assert repeat == "INSERT 0 1"
        assert await conn.fetchval("SELECT n FROM comment_counter") == 2  # the trigger was kept
        new_id = await conn.fetchval("SELECT id FROM comments WHERE external_id = 'new'")
        assert new_id > max(before["comments"])  # the same sequence goes on
        for sql in (
            "INSERT INTO webhook_deliveries (source, delivery_key, verified, body, status) "
            "VALUES ('courier:ghn', 'k1', true, '\\x7b7d', 'processed')",
            "INSERT INTO outbound_messages (tenant_id, channel_id, kind, idempotency_key, body) "
            f"VALUES ({shop.tenant_id}, {shop.channel_id}, 'zalo.cs', 'cs:1', 'Dạ')",
        ):
            assert await conn.execute(sql) == "INSERT 0 0"
    finally:
        await conn.close()
