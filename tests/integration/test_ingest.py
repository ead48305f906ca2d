"""Ingest: batches, idempotent storage, orphans, back-pressure, merge jobs per session."""

from __future__ import annotations

import asyncio

import asyncpg
from arq.connections import ArqRedis

from aggregator.ingest.pipeline import IngestConfig, Ingestor
from schema.enums import Platform
from schema.events import CommentEvent, PlatformOrderEvent
from schema.parsing import Intent, ParsedComment, ParsedItem
from tests.support.factories import seed_shop


async def test_repeated_delivery_of_every_comment_stores_each_once(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db)
    events = [shop.comment(f"chốt A01 x{i % 3 + 1}", f"u{i}", cid=f"c{i}") for i in range(500)]
    async with Ingestor(pool, arq_pool, IngestConfig(batch_size=64)) as ingestor:
        await ingestor.submit_many(events + events[::-1] + events[:100])
    assert ingestor.stats.stored == 500
    assert ingestor.stats.duplicates == 600
    assert await db.fetchval("SELECT count(*) FROM comments") == 500
    parsed = await db.fetchval("SELECT parsed FROM comments WHERE external_id = 'c4'")
    assert parsed["intent"] == "order"
    assert parsed["items"][0]["code"] == "A01"


async def test_merge_jobs_do_not_grow_with_comment_count(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db)
    events = [shop.comment("chốt A01", f"u{i}") for i in range(3000)]
    async with Ingestor(pool, arq_pool) as ingestor:
        await ingestor.submit_many(events)
    assert ingestor.stats.stored == 3000
    assert 1 <= await arq_pool.zcard(ingestor.arq.default_queue_name) <= 10


async def test_comment_for_unknown_channel_or_live_is_kept_as_orphaned(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db)
    stranger = CommentEvent(
        platform=Platform.FACEBOOK,
        channel_external_id="unknown-page",
        external_id="x1",
        author_external_id="u1",
        text="chốt A01",
    )
    wrong_live = shop.comment("chốt A01", "u2").model_copy(update={"external_live_id": "old"})
    async with Ingestor(pool, arq_pool) as ingestor:
        await ingestor.submit_many([stranger, wrong_live, stranger])
    rows = await db.fetch("SELECT status, tenant_id FROM comments ORDER BY id")
    assert [(r["status"], r["tenant_id"]) for r in rows] == [
        ("orphaned", None),
        ("orphaned", shop.tenant_id),
    ]
    assert ingestor.stats.orphaned == 2


async def test_comment_without_live_id_joins_the_channel_live_on_air(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db)
    chat = shop.comment("lấy 2 hộp nem", "zalo-user").model_copy(update={"external_live_id": None})
    async with Ingestor(pool, arq_pool) as ingestor:
        await ingestor.submit(chat)
    assert await db.fetchval("SELECT session_id FROM comments") == shop.session_id


async def test_staff_entry_goes_through_the_same_path_with_its_own_reading(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db)
    typed = shop.comment("(khách gọi điện) 3 túi gạo", "phone:0912345678").model_copy(
        update={"parsed": ParsedComment(intent=Intent.ORDER, items=[ParsedItem(code="A01", qty=3)])}
    )
    async with Ingestor(pool, arq_pool) as ingestor:
        await ingestor.submit(typed)
    parsed = await db.fetchval("SELECT parsed FROM comments")
    assert parsed["items"] == [{"code": "A01", "qty": 3, "variant": None}]


async def test_platform_orders_keep_their_newest_state(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db)
    base = PlatformOrderEvent(
        platform=Platform.FACEBOOK,
        channel_external_id=shop.page_id,
        external_order_id="tt-1",
        external_status="AWAITING_SHIPMENT",
        buyer_external_id="b1",
    )
    newer = base.model_copy(
        update={"external_status": "CANCELLED", "updated_at": base.updated_at.replace(year=2030)}
    )
    async with Ingestor(pool, arq_pool) as ingestor:
        await ingestor.submit_many([base, newer, base])
    assert await db.fetchval("SELECT external_status FROM platform_orders") == "CANCELLED"


async def test_a_full_queue_makes_producers_wait(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db)
    ingestor = Ingestor(pool, arq_pool, IngestConfig(queue_size=5, batch_size=5))
    for i in range(5):
        await ingestor.submit(shop.comment("hi", f"u{i}"))
    blocked = asyncio.create_task(ingestor.submit(shop.comment("hi", "late")))
    await asyncio.sleep(0.05)
    assert not blocked.done()  # no writer running yet: the sixth waits instead of growing memory
    async with ingestor:
        await blocked
    assert await db.fetchval("SELECT count(*) FROM comments") == 6


async def test_redis_refusing_the_merge_jobs_keeps_the_comments_and_the_writer(
    db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    """A Redis that is down when the merge jobs go out: the comments are committed, so their
    senders are answered as stored, the writer goes on with the next batch, and the comments
    stay pending for the sweeper (seen in a chaos run: the writer died and every later store
    waited forever)."""
    shop = await seed_shop(db)
    nowhere = ArqRedis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    async with Ingestor(pool, nowhere, IngestConfig(batch_size=10)) as ingestor:
        await ingestor.store([shop.comment("chốt A01", f"u{i}") for i in range(10)])
        await ingestor.store([shop.comment("chốt A01 x2", f"v{i}") for i in range(10)])
    assert ingestor.stats.stored == 20
    assert ingestor.stats.enqueue_failures == 2
    assert ingestor.stats.failed_batches == 0
    assert await db.fetchval("SELECT count(*) FROM comments WHERE status = 'pending'") == 20
