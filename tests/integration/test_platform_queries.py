"""Every named query of schema/queries/platforms.sql prepares against the migrated database."""

from __future__ import annotations

from importlib import resources

import asyncpg
import pytest

from schema.queries import parse_query_file

PLATFORM_QUERIES = parse_query_file(
    resources.files("schema").joinpath("queries", "platforms.sql").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("name", sorted(PLATFORM_QUERIES))
async def test_query_prepares(db: asyncpg.Connection, name: str) -> None:
    await db.prepare(PLATFORM_QUERIES[name])
