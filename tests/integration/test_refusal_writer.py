"""The web process's one writer of refusals: every route's refusals land with their own source,
a batch that fails reaches only its callers and the writer goes on, and nothing verified (which
claims a key, so may be a duplicate) goes through it."""

from __future__ import annotations

import asyncio
import dataclasses

import asyncpg
import pytest

from aggregator.inbox.records import Inbound
from aggregator.inbox.refusal_writer import RefusalWriter

INBOUND = Inbound.of(b'{"n": 1}' + b"x" * 1000, {"content-type": "application/json"})
SOURCES = ("facebook", "courier:ghn", "payments", "relay")


async def test_concurrent_refusals_of_every_route_land_with_their_source(
    pool: asyncpg.Pool, db: asyncpg.Connection
) -> None:
    async with RefusalWriter(pool) as writer:
        answers = await asyncio.gather(
            *(writer.record(SOURCES[n % 4], INBOUND.rejected(f"bad {n}")) for n in range(200))
        )
    assert answers == [True] * 200
    rows = await db.fetch(
        "SELECT source, count(*) AS n, bool_or(verified) AS any_verified,"
        " max(octet_length(body)) AS longest FROM webhook_deliveries GROUP BY source"
    )
    assert {r["source"]: r["n"] for r in rows} == dict.fromkeys(SOURCES, 50)
    assert not any(r["any_verified"] for r in rows)
    assert max(r["longest"] for r in rows) == 256  # the prefix, never the body


async def test_a_failing_batch_reaches_its_callers_and_the_writer_goes_on(
    pool: asyncpg.Pool, db: asyncpg.Connection
) -> None:
    unknown_shop = dataclasses.replace(INBOUND.rejected("bad"), tenant_id=987_654_321)
    async with RefusalWriter(pool) as writer:
        with pytest.raises(asyncpg.ForeignKeyViolationError):
            await writer.record("facebook", unknown_shop)
        assert await writer.record("facebook", INBOUND.rejected("bad")) is True
    assert await db.fetchval("SELECT count(*) FROM webhook_deliveries") == 1


async def test_a_verified_delivery_is_not_taken(pool: asyncpg.Pool) -> None:
    async with RefusalWriter(pool) as writer:
        with pytest.raises(ValueError):
            await writer.record("facebook", INBOUND.accepted("k1", None))
