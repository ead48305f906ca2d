"""Pulling a live from the Facebook simulator: stream + poller + restart lose and double nothing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestServer
from arq.connections import ArqRedis

from aggregator.credentials.cipher import TokenCipher
from aggregator.credentials.keyring import PURPOSES
from aggregator.ingest.pipeline import IngestConfig, Ingestor
from aggregator.platforms.facebook.follower import PullConfig, Wiring
from aggregator.platforms.facebook.puller import FacebookPuller
from aggregator.platforms.facebook.tokens import connect_page
from connectors.facebook.graph import GraphClient
from connectors.simulators.facebook import create_simulator
from connectors.simulators.facebook_live import FacebookState, SimConfig
from schema.enums import Platform
from tests.support.facebook import CHOTDON_SECRET

COMMENTS = 20_000
RATE_PER_S = 2_000  # 20x Facebook's 100/s, so the test takes seconds, not minutes


@dataclass
class Rig:
    state: FacebookState
    config: PullConfig
    cipher: TokenCipher


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    # speed 10: the one_hundred_per_second cap becomes 1,000/s, so half the stream is dropped
    state = FacebookState(SimConfig(speed=10, disconnect_probability=0.002))
    server = TestServer(create_simulator(state))
    await server.start_server()
    base = str(server.make_url("/")).rstrip("/")
    config = PullConfig(
        graph_url=f"{base}/v21.0",
        streaming_url=f"{base}/streaming",
        poll_interval_s=0.5,
        discover_interval_s=0.2,
        overlap_s=1.0,
        min_backoff_s=0.05,
    )
    try:
        yield Rig(state, config, TokenCipher(CHOTDON_SECRET.encode(), PURPOSES[Platform.FACEBOOK]))
    finally:
        await server.close()


async def seed_page(db: asyncpg.Connection, pool: asyncpg.Pool, rig: Rig) -> int:
    tenant_id = await db.fetchval(
        "INSERT INTO tenants (slug, name) VALUES ('htx-nghe-an', 'HTX Nghệ An') RETURNING id"
    )
    await connect_page(pool, rig.cipher, tenant_id, "p1", "Trang HTX", "page-token-1")
    rig.state.add_page("p1", "page-token-1")
    return int(tenant_id)


async def crash(puller: FacebookPuller, task: asyncio.Task[None]) -> None:
    """Kill the puller and its followers mid-flight: no final poll, nothing flushed by them."""
    followers = [running.task for running in puller.followers.values()]
    for t in [*followers, task]:
        t.cancel()
    await asyncio.gather(task, *followers, return_exceptions=True)


async def test_a_live_of_20000_comments_is_stored_exactly_once_through_drops_and_a_restart(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, rig: Rig
) -> None:
    await seed_page(db, pool, rig)
    live = rig.state.add_live("p1", "L1")
    producer = asyncio.create_task(rig.state.run_live(live, COMMENTS, RATE_PER_S))
    async with aiohttp.ClientSession() as http, Ingestor(pool, arq_pool) as ingestor:
        wiring = Wiring(
            pool, arq_pool, ingestor, http, GraphClient(http, rig.config.graph_url), rig.config
        )
        first = FacebookPuller(wiring, rig.cipher)
        first_task = asyncio.create_task(first.run(asyncio.Event()))
        await asyncio.sleep(4)
        await crash(first, first_task)
        await asyncio.sleep(1)  # comments keep coming while nobody listens

        second, stop = FacebookPuller(wiring, rig.cipher), asyncio.Event()
        second_task = asyncio.create_task(second.run(stop))
        followers = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            followers += [
                r.follower for r in second.followers.values() if r.follower not in followers
            ]
            ended = await db.fetchval("SELECT status = 'ended' FROM live_sessions")
            if producer.done() and ended and not second.followers:
                break
            await asyncio.sleep(0.1)
        stop.set()
        await second_task
    stored = [r["external_id"] for r in await db.fetch("SELECT external_id FROM comments")]
    assert len(stored) == COMMENTS
    assert set(stored) == {c.id for c in live.comments}
    stats = rig.state.stats
    assert stats.dropped > 0 and stats.disconnects > 0 and stats.stream_connections > 2
    assert followers and all(f.resumed_from is not None for f in followers)
    session = await db.fetchrow("SELECT status, ended_at, video_id FROM live_sessions")
    assert session["status"] == "ended" and session["video_id"] == "vL1"
    print(
        f"streamed {stats.streamed}, dropped {stats.dropped}, disconnects {stats.disconnects}, "
        f"comment edge requests {stats.comment_requests}"
    )


RESUME_PASSED_STORED = """
SELECT EXISTS (SELECT 1 FROM comments c JOIN live_sessions s ON c.commented_at < s.last_comment_at)
"""
STORE_FAILS = """
CREATE TABLE test_store_fault (failing boolean NOT NULL);
INSERT INTO test_store_fault VALUES (false);
CREATE FUNCTION test_refuse_comment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT failing FROM test_store_fault) THEN
    RAISE EXCEPTION 'store down (test fault)';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER test_refuse_comment BEFORE INSERT ON comments
FOR EACH ROW EXECUTE FUNCTION test_refuse_comment();
"""


async def test_a_store_that_fails_mid_way_never_moves_the_resume_point_past_what_is_committed(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, rig: Rig
) -> None:
    """Postgres refuses every comment batch for a while, then the puller is killed: the resume
    point covers only committed comments, and the restarted puller stores every comment once."""
    await db.execute(STORE_FAILS)
    await seed_page(db, pool, rig)
    live = rig.state.add_live("p1", "L1")
    producer = asyncio.create_task(rig.state.run_live(live, 8_000, 1_000))
    one_try = IngestConfig(write_attempts=1, retry_delay_s=0)
    async with aiohttp.ClientSession() as http:
        graph = GraphClient(http, rig.config.graph_url)
        async with Ingestor(pool, arq_pool, one_try) as ingestor:
            first = FacebookPuller(
                Wiring(pool, arq_pool, ingestor, http, graph, rig.config), rig.cipher
            )
            first_task = asyncio.create_task(first.run(asyncio.Event()))
            # the fault starts once the resume point has moved past committed comments (not
            # after a fixed time: on a busy machine the puller may take seconds to get there)
            for _ in range(300):
                if await db.fetchval(RESUME_PASSED_STORED):
                    break
                await asyncio.sleep(0.1)
            await db.execute("UPDATE test_store_fault SET failing = true")
            await asyncio.sleep(2.5)  # stream and polls keep reading; nothing is committed
            await crash(first, first_task)
            failed = ingestor.stats.failed_batches
        await db.execute("UPDATE test_store_fault SET failing = false")
        resume_at = await db.fetchval("SELECT last_comment_at FROM live_sessions")
        stored = {r["external_id"] for r in await db.fetch("SELECT external_id FROM comments")}
        before_resume = {c.id for c in live.comments if c.created_at < resume_at}
        assert failed > 0 and resume_at is not None
        assert before_resume and before_resume <= stored  # the point never passed a lost one

        async with Ingestor(pool, arq_pool) as ingestor:
            second, stop = (
                FacebookPuller(
                    Wiring(pool, arq_pool, ingestor, http, graph, rig.config), rig.cipher
                ),
                asyncio.Event(),
            )
            second_task = asyncio.create_task(second.run(stop))
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                ended = await db.fetchval("SELECT status = 'ended' FROM live_sessions")
                if producer.done() and ended and not second.followers:
                    break
                await asyncio.sleep(0.1)
            stop.set()
            await second_task
    rows = [r["external_id"] for r in await db.fetch("SELECT external_id FROM comments")]
    assert len(rows) == len(live.comments) == 8_000
    assert set(rows) == {c.id for c in live.comments}
