"""`chotdon blocklist`: the same list as the director's /chan page, from the shell."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from tests.support.factories import seed_shop
from tests.support.processes import cli_env, run_cli


@pytest.mark.timeout(300)  # four `chotdon` processes; each starts slowly on a busy machine
async def test_blocklist_add_list_remove_normalise_the_phone(
    db: asyncpg.Connection, database_url: str, redis_url: str
) -> None:
    shop = await seed_shop(db)
    slug = await db.fetchval("SELECT slug FROM tenants WHERE id = $1", shop.tenant_id)
    env = cli_env(DATABASE_URL=database_url, REDIS_URL=redis_url)

    async def cli(*args: str) -> tuple[int, str, str]:
        done = await asyncio.to_thread(run_cli, "blocklist", *args, "--tenant", slug, env=env)
        return done.returncode, done.stdout, done.stderr

    code, out, err = await cli("add", "--phone", "+84 912 345 678", "--reason", "bom 3 đơn")
    assert code == 0 and "0912345678 blocked" in out, err
    row = await db.fetchrow("SELECT tenant_id, phone, reason, blocked_by FROM blocked_phones")
    assert tuple(row) == (shop.tenant_id, "0912345678", "bom 3 đơn", "cli")
    code, out, _ = await cli("list")
    assert code == 0 and out.startswith("0912345678\t") and "bom 3 đơn" in out
    code, _, err = await cli("add", "--phone", "12345", "--reason", "x")
    assert code == 1 and "Số điện thoại" in err
    code, out, _ = await cli("remove", "--phone", "0912 345 678")
    assert code == 0 and "unblocked" in out
    assert await db.fetchval("SELECT count(*) FROM blocked_phones") == 0
