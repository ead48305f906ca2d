"""insert_comments_and_deliveries claims its comments' keys in the storing statement (no per-row
trigger): a repeat stores nothing in any month, two writers of one key store it once, orphans are
kept and the counts are right."""

from __future__ import annotations

import asyncio

import asyncpg

from aggregator.ingest.catalogs import CatalogCache
from aggregator.ingest.store import StoreResult, store_batch, store_events
from aggregator.runtime.db import connect
from schema.enums import Platform
from schema.events import CommentEvent
from tests.support.factories import Shop, seed_shop


def _comments(shop: Shop, ids: range) -> list[CommentEvent]:
    return [shop.comment("chốt A01", f"u{i}", cid=f"k{i}") for i in ids]


async def _stored_keys(db: asyncpg.Connection) -> list[str]:
    rows = await db.fetch("SELECT external_id FROM comments ORDER BY external_id")
    return [r["external_id"] for r in rows]


async def _waiting_on_a_lock(db: asyncpg.Connection, pid: int) -> None:
    """Until the backend `pid` waits for a lock (the other writer's uncommitted key)."""
    while not await db.fetchval(
        "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1", pid
    ):
        await asyncio.sleep(0.01)


async def _two_writers_of_the_same_keys(
    db: asyncpg.Connection, database_url: str, shop: Shop, *, first_commits: bool
) -> StoreResult:
    """k0..k9 by a first transaction, k5..k14 by a second that starts before the first ends."""
    first, second = await connect(database_url), await connect(database_url)
    try:
        tx1, tx2 = first.transaction(), second.transaction()
        await tx1.start()
        one = await store_events(first, CatalogCache(), _comments(shop, range(10)))
        assert (one.stored, one.duplicates) == (10, 0)
        await tx2.start()
        later = asyncio.create_task(
            store_events(second, CatalogCache(), _comments(shop, range(5, 15)))
        )
        await _waiting_on_a_lock(db, second.get_server_pid())
        await (tx1.commit() if first_commits else tx1.rollback())
        two = await later
        await tx2.commit()
        return two
    finally:
        await first.close()
        await second.close()


async def test_two_transactions_storing_the_same_keys_store_each_once(
    db: asyncpg.Connection, database_url: str
) -> None:
    shop = await seed_shop(db)
    two = await _two_writers_of_the_same_keys(db, database_url, shop, first_commits=True)
    assert (two.stored, two.duplicates) == (5, 5)  # k10..k14 new, k5..k9 the first's
    assert await _stored_keys(db) == sorted(f"k{i}" for i in range(15))
    assert await db.fetchval("SELECT count(*) FROM comment_keys") == 15


async def test_a_key_whose_first_writer_rolled_back_is_stored_by_the_second(
    db: asyncpg.Connection, database_url: str
) -> None:
    shop = await seed_shop(db)
    two = await _two_writers_of_the_same_keys(db, database_url, shop, first_commits=False)
    assert (two.stored, two.duplicates) == (10, 0)
    assert await _stored_keys(db) == sorted(f"k{i}" for i in range(5, 15))


async def test_repeats_in_the_batch_in_the_table_and_in_an_earlier_month_store_nothing(
    db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    shop = await seed_shop(db)
    first = await store_batch(pool, CatalogCache(), _comments(shop, range(3)))
    assert (first.stored, first.duplicates) == (3, 0)
    # k0 was stored on the last evening of last month (its key moves with it)
    await db.execute(
        "UPDATE comments SET received_at = date_trunc('month', now()) - interval '1 second' "
        "WHERE external_id = 'k0'"
    )
    stranger = CommentEvent(
        platform=Platform.FACEBOOK, channel_external_id="unknown-page", external_id="x1",
        author_external_id="u1", text="chốt A01",
    )  # fmt: skip
    again = [*_comments(shop, range(5)), *_comments(shop, range(3, 4)), stranger, stranger]
    result = await store_batch(pool, CatalogCache(), again)
    # new: k3, k4 and the stranger (orphaned); repeats: k0 (last month), k1, k2, k3 and the
    # stranger a second time in the batch
    assert (result.stored, result.duplicates, result.orphaned) == (3, 5, 1)
    assert result.session_ids == {shop.session_id}
    assert await _stored_keys(db) == ["k0", "k1", "k2", "k3", "k4", "x1"]
    rows = await db.fetch(
        "SELECT c.status, k.received_at = c.received_at AS same_month FROM comment_keys k "
        "JOIN comments c ON c.id = k.comment_id ORDER BY c.external_id"
    )
    assert [r["same_month"] for r in rows] == [True] * 6  # every key names its comment's row
    assert [r["status"] for r in rows] == ["pending"] * 5 + ["orphaned"]
