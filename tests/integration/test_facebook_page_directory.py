"""The Page directory of the webhook route: a stale directory is reloaded once, however many
deliveries find it stale at the same moment."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg

from aggregator.platforms.facebook.pages import PageDirectory


class CountingPool:
    """The real pool, counting the queries the directory sends through it."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool, self.fetches = pool, 0

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        self.fetches += 1
        return await self.pool.fetch(sql, *args)


async def test_deliveries_that_find_the_directory_stale_share_one_load(
    db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    tenant = await db.fetchval(
        "INSERT INTO tenants (slug, name) VALUES ('htx-a', 'A') RETURNING id"
    )
    await db.execute(
        "INSERT INTO channels (tenant_id, platform, external_id, name) "
        "VALUES ($1, 'facebook', 'page-1', 'Page 1')",
        tenant,
    )
    counting = CountingPool(pool)
    directory = PageDirectory(counting, ttl_s=60)  # type: ignore[arg-type]
    found = await asyncio.gather(*(directory.known({"page-1"}) for _ in range(64)))
    assert all(f["page-1"].tenant_id == tenant for f in found)
    assert counting.fetches == 1
