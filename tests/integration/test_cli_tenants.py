"""`chotdon tenant add` makes a cooperative with its director (password from the environment,
never echoed), `chotdon tenant list` shows it, `chotdon host add` a host account."""

from __future__ import annotations

import asyncio

import asyncpg
from argon2 import PasswordHasher

from tests.support.processes import cli_env, run_cli

PASSWORD = "mat-khau-giam-doc-2026"


async def test_tenant_add_and_list_and_host_add(
    db: asyncpg.Connection, database_url: str, redis_url: str
) -> None:
    env = cli_env(DATABASE_URL=database_url, REDIS_URL=redis_url, DIRECTOR_PW=PASSWORD)
    args = (
        "tenant", "add", "--name", "HTX Vải thiều Thanh Hà", "--province", "Thành phố Hải Phòng",
        "--street", "Thôn Thúy Lâm", "--ward", "Xã Thanh Hà", "--phone", "0912000333",
        "--director-name", "Vũ Văn Minh", "--login", "minh.thanhha",
        "--password-from-env", "DIRECTOR_PW", "--tax-code", "0800123456",
    )  # fmt: skip
    added = await asyncio.to_thread(run_cli, *args, env=env)
    assert added.returncode == 0, added.stderr
    assert "htx-vai-thieu-thanh-ha" in added.stdout
    assert PASSWORD not in added.stdout + added.stderr
    row = await db.fetchrow(
        "SELECT t.tax_code, t.settings->'sender'->>'ward' AS ward, s.role, s.password_hash "
        "FROM tenants t JOIN staff s ON s.tenant_id = t.id WHERE t.slug = 'htx-vai-thieu-thanh-ha'"
    )
    assert (row["tax_code"], row["ward"], row["role"]) == ("0800123456", "Xã Thanh Hà", "director")
    assert PasswordHasher().verify(row["password_hash"], PASSWORD)
    again = await asyncio.to_thread(run_cli, *args, env=env)
    assert again.returncode != 0 and "slug" in again.stderr  # the same cooperative twice
    wrong = await asyncio.to_thread(run_cli, *args[:4], "Tỉnh Thái Bình", *args[5:], env=env)
    assert wrong.returncode != 0 and "province" in wrong.stderr
    listed = await asyncio.to_thread(run_cli, "tenant", "list", env=env)
    assert listed.returncode == 0 and "htx-vai-thieu-thanh-ha" in listed.stdout
    host = await asyncio.to_thread(
        run_cli, "host", "add", "--login", "vanhanh", "--password-from-env", "DIRECTOR_PW",
        env=env,
    )  # fmt: skip
    assert host.returncode == 0, host.stderr
    taken = await asyncio.to_thread(
        run_cli, "host", "add", "--login", "minh.thanhha", "--password-from-env", "DIRECTOR_PW",
        env=env,
    )  # fmt: skip
    assert taken.returncode != 0 and "taken" in taken.stderr
