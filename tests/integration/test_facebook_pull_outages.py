"""`chotdon facebook-pull` through what a real puller meets: its Postgres connections terminated
mid-live, and a live that ends while the puller is down. Nothing read may be lost."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestServer
from arq.connections import ArqRedis

from aggregator.credentials.cipher import TokenCipher
from aggregator.credentials.keyring import credential_cipher
from aggregator.ingest.pipeline import Ingestor
from aggregator.platforms.facebook.follower import PullConfig, Wiring
from aggregator.platforms.facebook.lives import apply_live_status
from aggregator.platforms.facebook.pages import load_pages
from aggregator.platforms.facebook.puller import FacebookPuller
from aggregator.platforms.facebook.runner import run_facebook_pull
from aggregator.platforms.facebook.tokens import connect_page
from aggregator.settings import Settings
from connectors.facebook.graph import GraphClient
from connectors.simulators.facebook import create_simulator
from connectors.simulators.facebook_live import FacebookState, SimConfig, SimLive
from schema.enums import Platform
from schema.queries import query
from tests.support.facebook import facebook_settings

# Every connection to the test's database but the caller's: what the chaos run's Postgres fault
# does, and what a server restart or a failover does to a running puller.
TERMINATE = """
SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid()
"""
ENDED = "SELECT coalesce(bool_and(status = 'ended'), false) FROM live_sessions"
TAIL_READ = "SELECT coalesce(bool_and(tail_read_at IS NOT NULL), false) FROM live_sessions"


@pytest.fixture
async def sim() -> AsyncIterator[tuple[FacebookState, str]]:
    state = FacebookState(SimConfig(speed=10))
    server = TestServer(create_simulator(state))
    await server.start_server()
    try:
        yield state, str(server.make_url("/")).rstrip("/")
    finally:
        await server.close()


async def pulling(settings: Settings, sim: tuple[FacebookState, str], pool: asyncpg.Pool,
                  db: asyncpg.Connection) -> tuple[Settings, SimLive]:  # fmt: skip
    state, base = sim
    run = facebook_settings(
        settings, facebook_graph_url=f"{base}/v21.0", facebook_streaming_url=f"{base}/streaming",
        facebook_poll_interval_s=0.3, facebook_discover_interval_s=0.2,
    )  # fmt: skip
    tenant_id = await db.fetchval(
        "INSERT INTO tenants (slug, name) VALUES ('htx-thai-binh', 'HTX Thái Bình') RETURNING id"
    )
    cipher = credential_cipher(run, Platform.FACEBOOK)
    await connect_page(pool, cipher, tenant_id, "p1", "Trang HTX", "page-token-1")
    state.add_page("p1", "page-token-1")
    return run, state.add_live("p1", "L1")


async def stored_ids(db: asyncpg.Connection) -> list[str]:
    return [r["external_id"] for r in await db.fetch("SELECT external_id FROM comments")]


@contextlib.asynccontextmanager
async def killed_mid_live(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, settings: Settings,
    sim: tuple[FacebookState, str],
) -> AsyncIterator[tuple[Wiring, TokenCipher, SimLive]]:  # fmt: skip
    """A puller killed as `kill -9` would (no last poll, no end of anything) once it stored the
    first 300 comments of a live; 200 more are said while nobody listens, then the live ends.
    Yields what a restarted puller is made of, and the live."""
    run, live = await pulling(settings, sim, pool, db)
    state = sim[0]
    live.append(state.new_comments(live, 300))
    config = PullConfig.from_settings(run)
    cipher = credential_cipher(run, Platform.FACEBOOK)
    async with aiohttp.ClientSession() as http, Ingestor(pool, arq_pool) as ingestor:
        wiring = Wiring(pool, arq_pool, ingestor, http, GraphClient(http, config.graph_url), config)
        first = FacebookPuller(wiring, cipher)
        task = asyncio.create_task(first.run(asyncio.Event()))
        while len(await stored_ids(db)) < 300:
            await asyncio.sleep(0.05)
        followers = [r.task for r in first.followers.values()]
        for killed in (*followers, task):
            killed.cancel()
        await asyncio.gather(task, *followers, return_exceptions=True)
        live.append(state.new_comments(live, 200))
        state.stop_live(live)
        yield wiring, cipher, live


async def test_the_puller_lives_through_its_postgres_connections_being_terminated(
    db: asyncpg.Connection, pool: asyncpg.Pool, settings: Settings,
    sim: tuple[FacebookState, str],
) -> None:  # fmt: skip
    """Mid-live, its backends are terminated every few milliseconds for seconds on end, so its
    ticks, polls, resume points and batches all meet a dropped connection: it keeps running and
    stores every comment of the live once."""
    run, live = await pulling(settings, sim, pool, db)
    producer = asyncio.create_task(sim[0].run_live(live, 2_000, 250))
    stop = asyncio.Event()
    puller = asyncio.create_task(run_facebook_pull(run, stop))
    while not await stored_ids(db):  # on air and followed
        await asyncio.sleep(0.05)
    terminated, storm_ends = 0, time.monotonic() + 3
    while time.monotonic() < storm_ends:
        terminated += await db.fetchval(TERMINATE)
        await asyncio.sleep(0.01)
    assert terminated > 50 and not puller.done()  # the outage was real; the puller is alive
    await producer  # the live ends after the outage
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not puller.done():
        if len(await stored_ids(db)) == 2_000 and await db.fetchval(ENDED):
            break
        await asyncio.sleep(0.1)
    assert not puller.done()
    stop.set()
    await asyncio.wait_for(puller, 30)
    stored = await stored_ids(db)
    assert sorted(stored) == sorted(c.id for c in live.comments)


async def test_a_live_that_ends_while_the_puller_is_down_is_read_to_its_end(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, settings: Settings,
    sim: tuple[FacebookState, str],
) -> None:  # fmt: skip
    """The puller is killed mid-live; the live goes on and ends before it is back. The restarted
    puller reads the comments since the resume point before it ends the session, not after
    (after, no follower would ever read them: the chaos run lost that tail)."""
    async with killed_mid_live(db, pool, arq_pool, settings, sim) as (wiring, cipher, live):
        second, stop = FacebookPuller(wiring, cipher), asyncio.Event()
        await second.tick()
        assert await db.fetchval(ENDED) and not second.followers
        stop.set()
        await second.run(stop)
    stored = await stored_ids(db)
    assert len(stored) == len(set(stored)) == 500
    assert set(stored) == {c.id for c in live.comments}
    assert await db.fetchval(TAIL_READ)  # no catch-up is owed any more


async def test_a_live_the_webhook_ended_while_the_puller_was_down_is_read_to_its_end(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, settings: Settings,
    sim: tuple[FacebookState, str],
) -> None:  # fmt: skip
    """The puller is killed mid-live; the live ends and Facebook's live_videos webhook ends its
    session before the puller is back. The restarted puller follows only lives on air, so it
    must still read that live's last comments, once."""
    async with killed_mid_live(db, pool, arq_pool, settings, sim) as (wiring, cipher, live):
        page = (await load_pages(pool))["p1"]
        await apply_live_status(pool, page, live.id, "live_stopped")  # the webhook, meanwhile
        assert await db.fetchval(ENDED) and not await db.fetchval(TAIL_READ)
        assert len(await stored_ids(db)) == 300

        second = FacebookPuller(wiring, cipher)
        await second.tick()
        assert len(await stored_ids(db)) == 500 and await db.fetchval(TAIL_READ)
        assert await pool.fetch(query("facebook_lives_tail_unread")) == []
        await second.tick()  # nothing is owed: no second read
        await second.close()
    stored = await stored_ids(db)
    assert len(stored) == len(set(stored)) == 500
    assert set(stored) == {c.id for c in live.comments}
