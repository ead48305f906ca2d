"""The chotdon command as an operator uses it: clear one-line failures, help for each command."""

from __future__ import annotations

import asyncio

import asyncpg

from tests.support.processes import cli_env, free_port, run_cli


def test_help_explains_each_command() -> None:
    result = run_cli("--help", env=cli_env())
    assert result.returncode == 0
    for command in ("migrate", "serve", "worker", "demo"):
        assert command in result.stdout


def test_wrong_database_url_prints_one_clear_line() -> None:
    env = cli_env(
        DATABASE_URL=f"postgresql://postgres@127.0.0.1:{free_port()}/nope",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    result = run_cli("migrate", env=env)
    assert result.returncode == 1
    assert result.stderr.startswith("chotdon: error: cannot connect to Postgres")
    assert "Traceback" not in result.stderr


def test_unreachable_redis_prints_one_clear_line(admin_url: str) -> None:
    env = cli_env(DATABASE_URL=admin_url, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    result = run_cli("worker", env=env)
    assert result.returncode == 1
    assert "chotdon: error: cannot connect to Redis" in result.stderr
    assert "Traceback" not in result.stderr


def test_redis_url_that_is_not_one_is_named() -> None:
    env = cli_env(DATABASE_URL="postgresql://x@127.0.0.1:1/x", REDIS_URL="http://example")
    result = run_cli("worker", env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr


async def test_migrate_refuses_a_database_from_a_newer_chotdon(
    db: asyncpg.Connection, database_url: str
) -> None:
    await db.execute(
        "INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'f', 'x')"
    )
    env = cli_env(DATABASE_URL=database_url, REDIS_URL="redis://127.0.0.1:1/0")
    result = await asyncio.to_thread(run_cli, "migrate", env=env)
    assert result.returncode == 1
    assert "database is at schema version 9999" in result.stderr
    assert "Traceback" not in result.stderr
