"""Every named query of returns, refunds and staff figures prepares against the migrated database
(syntax, tables, columns, parameter types), and each one is run by some module."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import asyncpg

from schema.queries import parse_query_file, query

FILES = ("returns.sql", "figures.sql")


def _names() -> list[str]:
    folder = resources.files("schema").joinpath("queries")
    found = [n for f in FILES for n in parse_query_file(folder.joinpath(f).read_text("utf-8"))]
    return [*sorted(found), "report_refunds"]


async def test_every_query_prepares_and_is_used(db: asyncpg.Connection) -> None:
    code = "\n".join(
        p.read_text("utf-8")
        for p in (Path(__file__).resolve().parents[2] / "aggregator").rglob("*.py")
    )
    for name in _names():
        await db.prepare(query(name))
        assert f'query("{name}")' in code, f"no module runs {name}"
