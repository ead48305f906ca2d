"""What every connection chotdon opens sets on the server."""

from __future__ import annotations

import asyncpg

from aggregator.runtime.db import connection
from aggregator.settings import Settings

# A plan whose estimate passes jit_above_cost: the SET makes any statement costly enough.
COSTLY = "SET jit_above_cost = 0"
PLAN = "EXPLAIN (ANALYZE, FORMAT JSON) SELECT sum(id) FROM tenants"


async def test_pool_connections_never_jit_compile(pool: asyncpg.Pool) -> None:
    """A one-row lookup estimated high (a partitioned parent is never analyzed by autovacuum)
    was compiled for 9 s of CPU before 8 ms of work: every pool connection turns JIT off."""
    async with pool.acquire() as conn:
        await conn.execute(COSTLY)
        plan = await conn.fetchval(PLAN)
        assert await conn.fetchval("SHOW jit") == "off"
        await conn.execute("RESET jit_above_cost")
    assert "JIT" not in plan[0]


async def test_single_connections_never_jit_compile(settings: Settings) -> None:
    assert settings.database_url is not None
    async with connection(settings.database_url) as conn:
        assert await conn.fetchval("SHOW jit") == "off"
