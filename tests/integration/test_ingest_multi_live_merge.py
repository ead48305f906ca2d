"""Several lives merged per job and per transaction: the same orders as one live at a time, one
job per shard and bucket, the lives' lock order, and nothing lost when a batch finds the job of
its bucket already made."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from arq.connections import ArqRedis
from pydantic import ValidationError

from aggregator.core.prepay import SHIPPING_FEE_SETTING
from aggregator.ingest.catalogs import CatalogCache
from aggregator.ingest.merge_jobs import MERGE_SHARDS, enqueue_merges, merge_shard
from aggregator.ingest.pipeline import Ingestor
from aggregator.ingest.store import store_batch
from aggregator.orders.merge import MergeConfig, merge_sessions
from aggregator.orders.totals import recompute_totals
from aggregator.runtime import jobs
from aggregator.settings import Settings
from schema.events import CommentEvent
from tests.support.factories import Shop, seed_shop
from tests.support.invariants import assert_consistent
from workers.context import PG_POOL, SETTINGS
from workers.order_jobs import merge_session_job

TEXTS = ["chốt A01 x2", "chốt A01 x2", "thêm 1 A01", "hủy A01", "chốt A01", "giá bao nhiêu"]


async def _shops(db: asyncpg.Connection, count: int) -> list[Shop]:
    return [await seed_shop(db, stock={"A01": 7}, slug=f"htx-{i}") for i in range(count)]


def _comments(shop: Shop, buyers: int = 6) -> list[CommentEvent]:
    """The same story in every live: repeats, adds, cancels, more buyers than stock."""
    return [
        shop.comment(TEXTS[(b + i) % len(TEXTS)], f"{shop.page_id}-b{b}")
        for i in range(3)
        for b in range(buyers)
    ]


async def _store(pool: asyncpg.Pool, arq: ArqRedis, events: list[CommentEvent]) -> None:
    async with Ingestor(pool, arq) as ingestor:
        await ingestor.submit_many(events)


async def _wanted(db: asyncpg.Connection, shop: Shop) -> dict[tuple[str, str], int]:
    """What each buyer's open order asks for, by the buyer's place in the story (not ids). Held
    or waiting depends on where batches fell; the quantities asked for do not."""
    rows = await db.fetch(
        "SELECT b.external_user_id AS buyer, i.code, sum(i.qty) AS qty FROM order_items i "
        "JOIN orders o ON o.id = i.order_id JOIN buyer_identities b ON b.id = o.buyer_identity_id "
        "WHERE o.session_id = $1 AND i.status <> 'removed' GROUP BY 1, 2",
        shop.session_id,
    )
    return {(r["buyer"].split("-")[-1], r["code"]): int(r["qty"]) for r in rows}


async def test_one_transaction_over_many_lives_gives_each_live_its_own_orders(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    together, alone = await _shops(db, 4), await _shops(db, 1)
    await _store(pool, arq_pool, [e for shop in [*together, *alone] for e in _comments(shop)])
    # batch_size 7: a transaction ends inside a live's comments, the rest come round again.
    stats = await merge_sessions(
        pool, [s.session_id for s in reversed(together)], MergeConfig(batch_size=7)
    )
    assert {s: st.comments for s, st in stats.items()} == {s.session_id: 18 for s in together}
    # Each live's span takes in all its comments, merged over several transactions (what the
    # round's question check reads).
    spans = await db.fetch(
        "SELECT session_id, min(id) AS first, max(id) AS last FROM comments "
        "WHERE session_id = ANY($1::bigint[]) GROUP BY session_id",
        [s.session_id for s in together],
    )
    assert {r["session_id"]: (r["first"], r["last"]) for r in spans} == {
        s: (st.first_comment, st.last_comment) for s, st in stats.items()
    }
    await merge_sessions(pool, [alone[0].session_id])  # the reference: one live on its own
    expected = await _wanted(db, alone[0])
    assert len(expected) >= 4  # most buyers still want something: a real comparison
    for shop in together:
        assert await _wanted(db, shop) == expected
    assert await db.fetchval("SELECT count(*) FROM comments WHERE status = 'pending'") == 0
    await assert_consistent(db)


async def test_jobs_taking_lives_in_opposite_orders_do_not_deadlock(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shops = await _shops(db, 3)
    ids = [s.session_id for s in shops]
    events = [e for shop in shops for e in _comments(shop, buyers=10)]

    async def merge_often(order: list[int]) -> None:
        for _ in range(4):
            await merge_sessions(pool, order, MergeConfig(batch_size=5))
            await asyncio.sleep(0)

    async def store_slowly() -> None:  # one writer: each buyer's comments keep their order
        for i in range(0, len(events), 9):
            await store_batch(pool, CatalogCache(), events[i : i + 9])
            await asyncio.sleep(0.01)

    await asyncio.gather(
        store_slowly(),
        merge_often(ids),
        merge_often(list(reversed(ids))),
    )
    await merge_sessions(pool, ids)
    assert await db.fetchval("SELECT count(*) FROM comments WHERE status = 'pending'") == 0
    for shop in shops[1:]:
        assert await _wanted(db, shop) == await _wanted(db, shops[0])
    await assert_consistent(db)


async def test_one_job_per_shard_and_bucket_merges_what_later_batches_stored(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shops = await _shops(db, MERGE_SHARDS + 1)  # two of them share a shard
    by_shard: dict[int, list[Shop]] = {}
    for shop in shops:
        by_shard.setdefault(merge_shard(shop.session_id), []).append(shop)
    first, second = next(group for group in by_shard.values() if len(group) > 1)[:2]
    await store_batch(pool, CatalogCache(), _comments(first))
    assert await enqueue_merges(arq_pool, [first.session_id], bucket_s=3600) == 1
    await store_batch(pool, CatalogCache(), _comments(second))  # same bucket and shard: no new job
    assert await enqueue_merges(arq_pool, [second.session_id], bucket_s=3600) == 0
    queued = await arq_pool.queued_jobs()
    assert [(j.function, list(j.args)) for j in queued] == [
        (jobs.MERGE_SESSION, [None, merge_shard(first.session_id), MERGE_SHARDS])
    ]
    ctx = {SETTINGS: settings, PG_POOL: pool, "redis": arq_pool}
    assert await merge_session_job(ctx, *queued[0].args) == 36  # both lives, from Postgres
    assert await _wanted(db, first) == await _wanted(db, second) != []
    others = [s for s in shops if s not in (first, second)]
    pending = await db.fetchval(
        "SELECT count(*) FROM comments WHERE status = 'pending' AND session_id = ANY($1)",
        [s.session_id for s in others],
    )
    assert pending == 0  # they had none: nothing else was touched
    await assert_consistent(db)


async def test_new_orders_are_written_with_the_totals_a_recompute_gives(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    """The merge creates an order with its totals (no UPDATE of a row it just inserted): they
    are what recompute_totals computes from the stored lines, promotion and fee included."""
    shop = await seed_shop(db, stock={"A01": 3})  # A01 180 000, N01 60 000 unlimited
    await db.execute(
        "UPDATE lives SET promotion = $1 WHERE id = $2",
        {"kind": "percent", "min_items": 3, "value": 10},
        shop.live,
    )
    await db.execute(
        "UPDATE tenants SET settings = settings || $1 WHERE id = $2",
        {SHIPPING_FEE_SETTING: 25_000},
        shop.tenant_id,
    )
    stories = {
        "lan": ["chốt A01 x2", "lấy 2 hộp nem chua"],  # 4 items: the promotion applies
        "minh": ["chốt A01 x2"],  # 1 held, the rest waits: only held or requested lines count
        "hoa": ["giá bao nhiêu"],  # no order
        "tuan": ["+1"],  # an unclear line only: nothing counted, no fee
    }
    await store_batch(
        pool,
        CatalogCache(),
        [shop.comment(t, who) for who, texts in stories.items() for t in texts],
    )
    await merge_sessions(pool, [shop.session_id])
    columns = "id, subtotal_vnd, discount_vnd, free_shipping, total_vnd, shipping_vnd"
    written = [tuple(r) for r in await db.fetch(f"SELECT {columns} FROM orders ORDER BY id")]
    assert len(written) == 3
    assert written[0][1:] == (480_000, 48_000, False, 457_000, 25_000)
    async with pool.acquire() as conn:
        await recompute_totals(conn, [row[0] for row in written])
    assert [
        tuple(r) for r in await db.fetch(f"SELECT {columns} FROM orders ORDER BY id")
    ] == written


async def test_a_live_that_cannot_merge_holds_back_only_itself(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    good_before, bad, good_after = await _shops(db, 3)
    await store_batch(
        pool, CatalogCache(), [e for s in (good_before, bad, good_after) for e in _comments(s)]
    )
    # A stored reading this version cannot load (say, written by a newer one): its live fails.
    await db.execute(
        'UPDATE comments SET parsed = \'{"intent": "no such intent"}\' '
        "WHERE id = (SELECT min(id) FROM comments WHERE session_id = $1)",
        bad.session_id,
    )
    ids = [good_before.session_id, bad.session_id, good_after.session_id]
    with pytest.raises(ValidationError):
        await merge_sessions(pool, ids)
    pending = dict(
        await db.fetch(
            "SELECT session_id, count(*) FROM comments WHERE status = 'pending' GROUP BY 1"
        )
    )
    assert pending == {bad.session_id: 18}  # the others merged, in their own transactions
    assert await _wanted(db, good_before) == await _wanted(db, good_after) != {}
    await assert_consistent(db)
