"""Back-pressure: while the ingest queue is full (Postgres stalled), deliveries get 503 with
Retry-After without their body being read, /healthz still answers, and the held request completes
once Postgres moves again."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient

from aggregator.settings import Settings
from aggregator.web.keys import INGESTOR
from connectors.relay.signature import signed_headers
from schema.enums import Platform
from tests.support.facebook import app_client
from tests.support.factories import seed_shop
from tests.support.platforms import RELAY_SECRET, add_channel, add_live, platform_settings

Client = TestClient[Any, Any]


async def _relay(db: asyncpg.Connection, settings: Settings) -> str:
    shop = await seed_shop(db)
    channel_id, channel = await add_channel(
        db, settings, shop.tenant_id, Platform.RELAY, RELAY_SECRET
    )
    await add_live(db, shop.tenant_id, channel_id)
    return f"/relay/{channel}/comments"


def _batch(count: int, start: int) -> bytes:
    comments = ",".join(
        f'{{"id": "bp{n}", "author_id": "b{n}", "author_name": "Khách", "text": "chốt A01"}}'
        for n in range(start, start + count)
    )
    return f'{{"comments": [{comments}]}}'.encode()


def _signed(body: bytes) -> dict[str, str]:
    headers = signed_headers(RELAY_SECRET.encode(), int(time.time()), body)
    return {**headers, "Content-Type": "application/json"}


async def _until(condition: Any, what: str) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never happened: {what}")


@contextlib.asynccontextmanager
async def _stalled(database_url: str, table: str = "comments") -> AsyncIterator[None]:
    """A transaction holding `table` locked: whoever writes to it waits until we leave."""
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(f"BEGIN; LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        yield
    finally:
        await conn.execute("COMMIT")
        await conn.close()


def _held(client: Client, url: str, start: int) -> asyncio.Task[Any]:
    """A delivery of 30 comments; the writer takes the first one whole (it waits on the lock),
    the next ones fill the queue and wait in submit."""
    body = _batch(30, start)
    return asyncio.create_task(client.post(url, data=body, headers=_signed(body)))


async def test_a_full_ingest_queue_answers_503_retry_after_and_health_still_answers(
    settings: Settings, db: asyncpg.Connection, database_url: str
) -> None:
    configured = platform_settings(settings, ingest_queue_size=10)
    url = await _relay(db, configured)
    async with app_client(configured) as client:
        ingestor = client.server.app[INGESTOR]
        async with _stalled(database_url):
            held = [_held(client, url, 0)]
            await _until(lambda: ingestor.stats.received == 30, "the first delivery submitted")
            held.append(_held(client, url, 30))
            await _until(lambda: ingestor.saturated, "the ingest queue filling up")
            busy = await client.post(url, data=_batch(5, 900), headers=_signed(_batch(5, 900)))
            assert busy.status == 503 and busy.headers["Retry-After"].isdigit()
            assert (await client.get("/healthz")).status == 200
            # the held ones are recorded: beside their store (which waits on the lock), so
            # shortly after they were submitted rather than before
            for _ in range(250):
                if await db.fetchval("SELECT count(*) FROM webhook_deliveries") == 2:
                    break
                await asyncio.sleep(0.02)
            assert await db.fetchval("SELECT count(*) FROM webhook_deliveries") == 2
        answers = await asyncio.gather(*held)
        assert [a.status for a in answers] == [202, 202]
        await ingestor.drain()
    assert await db.fetchval("SELECT count(*) FROM comments") == 60
    assert await db.fetchval("SELECT count(*) FROM comments WHERE external_id LIKE 'bp9__'") == 0


async def test_too_many_deliveries_in_flight_answer_503_on_every_webhook(
    settings: Settings, db: asyncpg.Connection, database_url: str
) -> None:
    configured = platform_settings(settings, max_inflight_deliveries=1)
    url = await _relay(db, configured)
    async with app_client(configured) as client:
        async with _stalled(database_url, "webhook_deliveries"):
            held = _held(client, url, 0)  # waits on recording its delivery
            waiting = "SELECT count(*) FROM pg_locks WHERE NOT granted"
            for _ in range(500):
                if await db.fetchval(waiting):
                    break
                await asyncio.sleep(0.02)
            else:
                raise AssertionError("the held delivery never reached Postgres")
            for path in ("/webhooks/ghn", "/webhooks/facebook", "/webhooks/payments", url):
                busy = await client.post(path, data=b"{}")
                assert busy.status == 503 and busy.headers["Retry-After"].isdigit(), path
            assert (await client.get("/healthz")).status == 200
        assert (await held).status == 202
        after = await client.post("/webhooks/ghn", data=b"{}")
        assert after.status == 401  # room again: the request reaches its handler
