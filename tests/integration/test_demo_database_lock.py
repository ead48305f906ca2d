"""One demo per database: with DATABASE_URL, a second demo on another folder and port refuses
within seconds, naming the database (never its password), and writes nothing there."""

from __future__ import annotations

import time
from pathlib import Path

import asyncpg
import pytest

from aggregator.errors import ConflictError
from aggregator.tools.demo.exclusive import database_name, demo_database_held
from tests.support.processes import cli_env, free_port, run_cli

TOUCHED = (
    "SELECT (SELECT count(*) FROM staff) + (SELECT count(*) FROM channels)"
    " + (SELECT count(*) FROM live_sessions)"
)


async def test_a_second_holder_of_the_demo_database_is_refused_until_the_first_lets_go(
    database_url: str,
) -> None:
    async with demo_database_held(database_url):
        with pytest.raises(ConflictError, match=database_name(database_url)):
            async with demo_database_held(database_url):
                pass
    async with demo_database_held(database_url):  # released with the first one's connection
        pass


async def test_a_second_demo_on_the_same_database_refuses_and_writes_nothing(
    database_url: str, redis_url: str, db: asyncpg.Connection, tmp_path: Path
) -> None:
    before = await db.fetchval(TOUCHED)
    env = cli_env(DATABASE_URL=database_url, REDIS_URL=redis_url)
    async with demo_database_held(database_url):  # the running demo
        started = time.monotonic()
        done = run_cli(
            "demo", "--no-live", "--no-input", "--port", str(free_port()),
            "--data-dir", str(tmp_path / "second"), env=env, timeout=60,
        )  # fmt: skip
        took = time.monotonic() - started
    assert done.returncode != 0
    # It refuses at once instead of waiting for the lock: the margin covers a loaded machine
    # (a CLI start alone takes seconds there), far below the 60 s a wait would hit.
    assert took < 30, took
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert database_name(database_url) in lines[0] and "DATABASE_URL" in lines[0]
    assert "chotdon is running" not in done.stdout
    assert "Traceback" not in done.stderr
    assert await db.fetchval(TOUCHED) == before  # no staff, channel or live written
