"""Every named query of buyer confirmation prepares against the migrated database."""

from __future__ import annotations

from importlib import resources

import asyncpg
import pytest

from schema.queries import parse_query_file, query

NAMES = sorted(
    parse_query_file(
        resources.files("schema").joinpath("queries", "confirmation.sql").read_text("utf-8")
    )
)


@pytest.mark.parametrize("name", NAMES)
async def test_query_prepares(db: asyncpg.Connection, name: str) -> None:
    await db.prepare(query(name))
