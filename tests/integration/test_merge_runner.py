"""One merge runner per shard: a job that finds its shard's runner busy ends at once instead of
waiting on the lives' locks in a worker slot, and the runner merges that job's comments in its
next round; the shard's lock never outlives its runner (failed round, killed worker)."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from arq.connections import ArqRedis

from aggregator.ingest.catalogs import CatalogCache
from aggregator.ingest.merge_jobs import MERGE_SHARDS, merge_shard
from aggregator.ingest.store import store_batch
from aggregator.orders.merge import merge_waiting, pending_sessions
from aggregator.runtime.db import Connection
from aggregator.settings import Settings
from schema.enums import Platform
from schema.events import CommentEvent
from schema.queries import query
from tests.support.factories import Shop, add_channel, seed_shop
from tests.support.invariants import assert_consistent
from workers.context import PG_POOL, SETTINGS
from workers.merge_runner import Merger, run_shard
from workers.order_jobs import merge_session_job


def _comments(shop: Shop, first: int, count: int) -> list[CommentEvent]:
    return [shop.comment(f"chốt A01 x{1 + i % 3}", f"buyer-{first + i}") for i in range(count)]


def _merger() -> Merger:
    async def merge_round(conn: Connection, waiting: dict[int, int]) -> int:
        stats = await merge_waiting(conn, waiting)
        return sum(s.comments for s in stats.values())

    return merge_round


async def _pending(db: asyncpg.Connection) -> int:
    return int(await db.fetchval("SELECT count(*) FROM comments WHERE status = 'pending'"))


async def test_a_job_of_a_busy_shard_ends_at_once_and_the_runner_merges_its_comments(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db, stock={"A01": 100})
    shard = merge_shard(shop.session_id)
    await store_batch(pool, CatalogCache(), _comments(shop, 0, 5))
    ctx = {SETTINGS: settings, PG_POOL: pool, "redis": arq_pool}
    second_job: list[int] = []

    async def merge_round(conn: Connection, waiting: dict[int, int]) -> int:
        stats = await merge_waiting(conn, waiting)
        if not second_job:  # the runner still busy: more comments come, with their own job
            await store_batch(pool, CatalogCache(), _comments(shop, 5, 4))
            # It must neither wait on the live's lock nor merge: it ends at once with nothing.
            merged = await asyncio.wait_for(merge_session_job(ctx, None, shard, MERGE_SHARDS), 10)
            second_job.append(merged)
            assert await _pending(db) == 4
        return sum(s.comments for s in stats.values())

    outcome = await run_shard(pool, shard, MERGE_SHARDS, merge_round, gap_s=0)
    assert second_job == [0]
    assert (outcome.ran, outcome.rounds, outcome.comments) == (True, 2, 9)
    assert outcome.left == []
    assert await _pending(db) == 0
    await assert_consistent(db)


async def test_the_shard_is_let_go_when_a_round_fails(
    db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    shop = await seed_shop(db)
    shard = merge_shard(shop.session_id)
    await store_batch(pool, CatalogCache(), _comments(shop, 0, 3))

    async def failing_round(conn: Connection, waiting: dict[int, int]) -> int:
        raise RuntimeError("the round failed")

    with pytest.raises(RuntimeError):
        await run_shard(pool, shard, MERGE_SHARDS, failing_round)
    assert await db.fetchval(query("try_lock_merge_shard"), MERGE_SHARDS, shard)
    await db.fetchval(query("unlock_merge_shard"), MERGE_SHARDS, shard)
    outcome = await run_shard(pool, shard, MERGE_SHARDS, _merger())
    assert outcome.comments == 3


async def test_a_runner_whose_worker_died_holds_no_shard(
    database_url: str, db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    shop = await seed_shop(db)
    shard = merge_shard(shop.session_id)
    await store_batch(pool, CatalogCache(), _comments(shop, 0, 3))
    dying = await asyncpg.connect(database_url)  # a worker's runner, about to be killed
    assert await dying.fetchval(query("try_lock_merge_shard"), MERGE_SHARDS, shard)
    assert (await run_shard(pool, shard, MERGE_SHARDS, _merger())).ran is False
    dying.terminate()  # its connection drops: Postgres lets the shard go
    for _ in range(100):
        outcome = await run_shard(pool, shard, MERGE_SHARDS, _merger())
        if outcome.ran:
            break
        await asyncio.sleep(0.05)
    assert outcome.comments == 3
    assert await _pending(db) == 0


async def test_a_runner_out_of_time_names_what_is_left_for_the_next_job(
    db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    shop = await seed_shop(db)
    await store_batch(pool, CatalogCache(), _comments(shop, 0, 3))
    outcome = await run_shard(
        pool, merge_shard(shop.session_id), MERGE_SHARDS, _merger(), run_for_s=0
    )
    assert (outcome.ran, outcome.comments, outcome.left) == (True, 0, [shop.session_id])


async def test_a_round_asks_for_its_sessions_once_and_merges_on_the_runners_connection(
    db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    first, second = await seed_shop(db), await seed_shop(db)
    zalo = await add_channel(db, first, Platform.ZALO)  # a later session of the first live
    events = [*_comments(first, 0, 3), *_comments(second, 3, 2), zalo.comment("chốt A01", "z-1")]
    await store_batch(pool, CatalogCache(), events)
    async with pool.acquire() as conn:  # one shard of every session: all of them, lives first
        waiting = await pending_sessions(conn, 0, 1)
    assert list(waiting.items()) == [(first.session_id, 3), (zalo.session_id, 1),
                                     (second.session_id, 2)]  # fmt: skip
    shard_locks: list[int] = []

    async def merge_round(conn: Connection, waiting: dict[int, int]) -> int:
        shard_locks.append(
            await conn.fetchval(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                "AND pid = pg_backend_pid() AND granted"
            )
        )
        stats = await merge_waiting(conn, waiting)
        return sum(s.comments for s in stats.values())

    outcome = await run_shard(pool, 0, 1, merge_round, gap_s=0)
    assert (outcome.comments, shard_locks) == (6, [1])  # the round held the shard's own lock
    assert await _pending(db) == 0
    await assert_consistent(db)
