"""Comments, webhook deliveries, order events and outbound messages live in month partitions
(migration 0034): idempotency holds across a month boundary, months are made ahead, old months go
with a DROP, and the references the dropped foreign keys checked are checked by a query."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import asyncpg
from arq.connections import ArqRedis

from aggregator.core.partitions import PARTITIONED, add_months, month_start
from aggregator.inbox.deliveries import DeliveryRecorder
from aggregator.inbox.records import DeliveryRecord
from aggregator.orders.partitions import dangling_references, maintain
from aggregator.outbound.record import PLATFORM_SEND_JOB, Outgoing, queue_outbound
from aggregator.runtime import jobs
from aggregator.runtime.migrations import migrate_database
from aggregator.settings import Settings
from aggregator.web.keys import INGESTOR
from schema.enums import DeliveryStatus
from schema.queries import query
from tests.integration.test_relay import batch, post, seed_relay, signed
from tests.support.facebook import app_client
from tests.support.factories import seed_shop
from tests.support.platforms import platform_settings
from tests.support.staff import add_order
from workers.settings import CRON_JOBS

# Moves rows to the last second of last month, as if stored then: an UPDATE of the partition
# column moves a row to that month's partition (and its key's date follows, by the trigger).
TO_LAST_MONTH = "date_trunc('month', now()) - interval '1 second'"


def _name(table: str, when: datetime) -> str:
    month = month_start(when.astimezone(UTC).date())
    return f"{table}_y{month:%Y}m{month:%m}"


async def _partitions(db: asyncpg.Connection, table: str) -> list[str]:
    return [r["name"] for r in await db.fetch(query("month_partitions"), table)]


async def test_the_four_tables_are_month_partitions_made_ahead_with_a_default(
    db: asyncpg.Connection,
) -> None:
    now = datetime.now(UTC)
    for table in PARTITIONED:
        kind = await db.fetchval(
            "SELECT partstrat FROM pg_partitioned_table WHERE partrelid = $1::regclass", table
        )
        assert kind == b"r", table
        made = await _partitions(db, table)
        for ahead in range(4):  # this month and three ahead, made at migrate time
            month = add_months(month_start(now.date()), ahead)
            assert f"{table}_y{month:%Y}m{month:%m}" in made, table
        assert await db.fetchval("SELECT to_regclass($1) IS NOT NULL", f"{table}_default")


async def test_a_comment_redelivered_across_a_month_boundary_is_stored_once(
    settings: Settings, db: asyncpg.Connection
) -> None:
    relay = await seed_relay(db, settings)
    body = batch(30)
    async with app_client(platform_settings(settings)) as client:
        assert (await post(client, relay.url, body, signed(body)))[0] == 202
        await client.app[INGESTOR].drain()
        # The first delivery was stored on the last evening of last month ...
        await db.execute(f"UPDATE comments SET received_at = {TO_LAST_MONTH}")
        # ... and the bridge redelivers the same comments this month (a new delivery).
        again = signed(body, at=time.time() + 1)
        assert (await post(client, relay.url, body, again))[0] == 202
        await client.app[INGESTOR].drain()
    rows = await db.fetch("SELECT tableoid::regclass::text AS part, count(*) AS n FROM comments "
                          "GROUP BY 1")  # fmt: skip
    last_month = datetime.now(UTC).replace(day=1) - timedelta(days=1)
    assert [(r["part"], r["n"]) for r in rows] == [(_name("comments", last_month), 30)]
    # the keys moved with their comments (dated to the month that holds them)
    assert await db.fetchval("SELECT count(*) FROM comment_keys WHERE received_at < "
                             "date_trunc('month', now())") == 30  # fmt: skip


async def test_comments_of_one_batch_and_of_two_writers_at_once_are_stored_once(
    db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    shop = await seed_shop(db)
    insert = (
        "INSERT INTO comments (tenant_id, platform, channel_external_id, external_id, channel_id, "
        "session_id, author_external_id, body, commented_at, intent) "
        "SELECT $1, 'facebook', $2, 'c' || (n % 5), $3, $4, 'u', 'chốt', now(), 'order' "
        "FROM generate_series(1, 20) n"
    )
    args = (shop.tenant_id, shop.page_id, shop.channel_id, shop.session_id)
    async with pool.acquire() as first, pool.acquire() as second:
        tx = first.transaction()
        await tx.start()
        assert await first.execute(insert, *args) == "INSERT 0 5"  # repeats in one statement
        waiting = second.execute(insert, *args)  # waits on the first's keys, then skips them
        await tx.commit()
        assert await waiting == "INSERT 0 0"
    assert await db.fetchval("SELECT count(*) FROM comments") == 5
    # A writer that claims its keys set-based skips the trigger for its own transaction only.
    async with pool.acquire() as conn:
        async with conn.transaction():
            await conn.execute(query("claim_comment_keys_for_transaction"))
            stored = await conn.execute(query("claim_and_insert_bench_comments"),
                                        ["k1", "k1", "k2"], datetime.now(UTC))  # fmt: skip
            assert stored == "INSERT 0 2"
            again = await conn.execute(query("claim_and_insert_bench_comments"),
                                       ["k2", "k3"], datetime.now(UTC))  # fmt: skip
            assert again == "INSERT 0 1"
        assert await conn.execute(insert, *args) == "INSERT 0 0"  # the trigger is back
    assert await db.fetchval("SELECT count(*) FROM comments") == 8


async def test_an_outbound_message_key_sends_once_across_a_month_boundary(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db)
    message = Outgoing(shop.tenant_id, shop.channel_id, "zalo.cs", "cs:oa:1", "Dạ em chào chị",
                       {"user_id": "u1"})  # fmt: skip
    first = await queue_outbound(pool, arq_pool, message, PLATFORM_SEND_JOB)
    assert await arq_pool.exists(f"arq:job:{PLATFORM_SEND_JOB.job_id(first)}")
    # It was stored and sent last month; the job that queued it runs again this month.
    await db.execute(f"UPDATE outbound_messages SET created_at = {TO_LAST_MONTH}, "
                     "status = 'sent', sent_at = now()")  # fmt: skip
    await arq_pool.delete(f"arq:job:{PLATFORM_SEND_JOB.job_id(first)}")
    assert await queue_outbound(pool, arq_pool, message, PLATFORM_SEND_JOB) == first
    assert not await arq_pool.exists(f"arq:job:{PLATFORM_SEND_JOB.job_id(first)}")  # no send
    # The other writers of messages (here the unsent record for staff) skip a known key too.
    unsent = await pool.fetchval(
        query("record_unsent_message"), shop.tenant_id, shop.channel_id, None, None, "zalo.cs",
        "cs:oa:1", "Dạ em chào chị", {}, "no token",
    )  # fmt: skip
    assert unsent is None
    rows = await db.fetch("SELECT tableoid::regclass::text AS part, status FROM outbound_messages")
    last_month = datetime.now(UTC).replace(day=1) - timedelta(days=1)
    assert [(r["part"], r["status"]) for r in rows] == [(_name("outbound_messages", last_month),
                                                          "sent")]  # fmt: skip


async def test_a_webhook_delivery_key_holds_across_a_month_boundary_until_refused(
    db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    def delivery() -> DeliveryRecord:
        return DeliveryRecord(
            body=b"{}", headers={}, verified=True, status=DeliveryStatus.RECEIVED,
            delivery_key="ghn:123:picked:1",
        )  # fmt: skip

    async with DeliveryRecorder(pool, source="courier:ghn") as recorder:
        assert await recorder.record(delivery())
        await db.execute(f"UPDATE webhook_deliveries SET received_at = {TO_LAST_MONTH}")
        assert not await recorder.record(delivery())  # the courier's retry: a duplicate
        # Refused after it was recorded (a parcel not known yet): the key is given up ...
        first = await db.fetchval("SELECT id FROM webhook_deliveries WHERE status = 'received'")
        await db.execute(query("finish_webhook_delivery"), first, "rejected", "unknown", None)
        assert await db.fetchval("SELECT count(*) FROM webhook_delivery_keys") == 0
        assert await recorder.record(delivery())  # ... and the next retry is taken
    keyed = await db.fetchval(
        "SELECT count(*) FROM webhook_deliveries WHERE delivery_key = 'ghn:123:picked:1'"
    )
    assert keyed == 1


async def test_months_are_made_ahead_and_old_months_dropped_not_deleted(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    shop = await seed_shop(db)
    order_id = await add_order(db, shop, comment="chốt A01")
    now = datetime.now(UTC)
    far = add_months(month_start(now.date()), 8)
    # A row whose month has no partition yet is caught by the DEFAULT partition, not refused ...
    await db.execute("INSERT INTO order_events (tenant_id, order_id, actor, kind, at) "
                     "VALUES ($1, $2, 'test', 'note', $3)", shop.tenant_id, order_id,
                     datetime(far.year, far.month, 2, tzinfo=UTC))  # fmt: skip
    assert await db.fetchval("SELECT count(*) FROM order_events_default") == 1
    ahead = settings.model_copy(update={"partition_months_ahead": 9})
    run = await maintain(pool, ahead, now)
    # ... and moved into its month when the job makes it.
    assert f"order_events_y{far:%Y}m{far:%m}" in run.made["order_events"]
    assert await db.fetchval("SELECT count(*) FROM order_events_default") == 0
    assert await db.fetchval(
        "SELECT count(*) FROM order_events WHERE tableoid = $1::regclass",
        f"order_events_y{far:%Y}m{far:%m}",
    ) == 1  # fmt: skip
    assert await dangling_references(pool, settings, now) == dict.fromkeys(
        ["order_items.source_comment_id", "inbox_items.comment_id", "payments.delivery_id",
         "inbox_items.outbound_message_id", "auto_answers.outbound_message_id"], 0)  # fmt: skip

    # Seven months on, keeping two months of comments drops this month's comments whole.
    later = datetime(far.year, far.month, 15, tzinfo=UTC) - timedelta(days=31)
    keep = ahead.model_copy(update={"partition_keep_months_comments": 2})
    run = await maintain(pool, keep, later)
    this_month = _name("comments", now)
    assert this_month in run.dropped["comments"]
    assert this_month not in await _partitions(db, "comments")
    assert _name("comments", later) in await _partitions(db, "comments")
    assert await db.fetchval("SELECT count(*) FROM comments") == 0
    assert run.keys_forgotten["comments"] == 1
    assert await db.fetchval("SELECT count(*) FROM comment_keys") == 0
    assert await db.fetchval("SELECT count(*) FROM order_events") >= 1  # kept: no keep setting
    # The order line still names its comment; it went with its month, which is not dangling.
    assert (await dangling_references(pool, keep, later))["order_items.source_comment_id"] == 0
    assert (await dangling_references(pool, settings, later))[
        "order_items.source_comment_id"
    ] == 1  # with every month kept, a missing comment is reported


async def test_partitions_are_behind_the_tenant_wall(db: asyncpg.Connection) -> None:
    rows = await db.fetch(
        "SELECT c.relname, c.relrowsecurity, count(p.polname) AS policies "
        "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "LEFT JOIN pg_policy p ON p.polrelid = c.oid AND p.polname = 'tenant_wall' "
        "WHERE i.inhparent = ANY($1::regclass[]) GROUP BY 1, 2",
        list(PARTITIONED),
    )
    assert len(rows) >= 4 * 5
    assert [r["relname"] for r in rows if not (r["relrowsecurity"] and r["policies"])] == []


async def test_the_job_runs_daily_and_migrate_makes_missing_months(
    settings: Settings, db: asyncpg.Connection
) -> None:
    assert any(job.name == jobs.MAINTAIN_PARTITIONS for job in CRON_JOBS)
    next_month = _name("comments", datetime.now(UTC).replace(day=28) + timedelta(days=7))
    await db.execute(f"DROP TABLE {next_month}")  # as if the job had not run for weeks
    await migrate_database(settings)
    assert next_month in await _partitions(db, "comments")


async def test_the_job_gives_the_partitioned_parents_planner_statistics(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    # Autovacuum never analyzes a partitioned parent: until something does, the planner guesses
    # (reltuples -1) for every query on these tables, whatever their months hold.
    shop = await seed_shop(db)
    await add_order(db, shop, comment="chốt A01")
    parents = list(PARTITIONED)
    unknown = "SELECT count(*) FROM pg_class WHERE relname = ANY($1::text[]) AND reltuples < 0"
    assert await db.fetchval(unknown, parents) == len(parents)
    await maintain(pool, settings, datetime.now(UTC))
    assert await db.fetchval(unknown, parents) == 0
    commented = await db.fetchval("SELECT reltuples FROM pg_class WHERE relname = 'comments'")
    assert commented == await db.fetchval("SELECT count(*) FROM comments") >= 1
