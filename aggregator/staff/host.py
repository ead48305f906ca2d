"""The host role: whoever runs one chotdon for many cooperatives. A host creates cooperatives
(staff/cooperatives.py) and sees each one's health, never its orders or buyers.

Host accounts are apart from staff (host_accounts, 0025): a host belongs to no cooperative and
its pages use only the aggregate queries of schema/queries/host.sql. Logins go through the same
limits as staff logins (staff/login.py reserve), under the key "host:<login>".
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import asyncpg
import structlog

from aggregator.core.login_limits import LoginPolicy
from aggregator.core.staff import token_hash
from aggregator.errors import BadInputError
from aggregator.staff.accounts import SESSION_TTL_S, hash_password
from aggregator.staff.login import LoginTry, reserve
from aggregator.staff.passwords import PasswordPool, PasswordPoolBusyError
from schema.queries import query

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class HostUser:
    id: int
    login: str
    display_name: str
    csrf_token: str = ""


async def add_host(pool: asyncpg.Pool, login: str, display_name: str, password: str) -> int:
    digest = hash_password(password)
    name = login.strip()
    if not name or len(name) > 64:
        raise BadInputError("the login must be 1 to 64 characters")
    if await pool.fetchval(query("login_taken"), name):
        raise BadInputError(f"login {name!r} is taken")
    host_id = int(await pool.fetchval(query("insert_host"), name, display_name or name, digest))
    log.info("host.added", host_id=host_id)
    return host_id


async def host_log_in(
    pool: asyncpg.Pool, passwords: PasswordPool, policy: LoginPolicy, attempt: LoginTry
) -> tuple[str, HostUser] | None:
    """(session token, host) for the right password; None when refused. Raises as log_in."""
    if not passwords.has_room():
        raise PasswordPoolBusyError("password checks are all busy")
    keyed = LoginTry(f"host:{attempt.login}", attempt.password, attempt.address)
    await reserve(pool, policy, keyed)
    row = await pool.fetchrow(query("host_for_login"), attempt.login.strip())
    stored = row["password_hash"] if row is not None else None
    if not await passwords.verify(stored, attempt.password) or row is None:
        log.info("host.login_refused", client=attempt.address)
        return None
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    await pool.execute(
        query("insert_host_session"), row["id"], token_hash(token), csrf, float(SESSION_TTL_S)
    )
    log.info("host.logged_in", host_id=row["id"])
    return token, HostUser(row["id"], row["login"], row["display_name"], csrf)


async def session_host(pool: asyncpg.Pool, token: str) -> HostUser | None:
    if not token:
        return None
    row = await pool.fetchrow(query("host_session"), token_hash(token))
    if row is None:
        return None
    return HostUser(row["id"], row["login"], row["display_name"], row["csrf_token"])


async def host_log_out(pool: asyncpg.Pool, token: str) -> None:
    await pool.execute(query("delete_host_session"), token_hash(token))
    log.info("host.logged_out")


async def cooperatives_health(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    """Each cooperative's health: counts and times only."""
    return [dict(r) for r in await pool.fetch(query("cooperatives_health"))]
