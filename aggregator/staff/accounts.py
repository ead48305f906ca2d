"""Staff accounts: argon2 password hashes, server-side sessions (login itself: staff/login.py).

A session is a random token in the cookie; the database keeps its SHA-256 and a CSRF token.
Passwords and tokens are never logged.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import asyncpg
import structlog

from aggregator.core.staff import token_hash
from aggregator.errors import BadInputError
from aggregator.staff.passwords import HASHER
from schema.enums import StaffRole
from schema.queries import query

log = structlog.get_logger()
SESSION_TTL_S = 12 * 3600
MIN_PASSWORD_CHARS = 10


@dataclass(frozen=True, slots=True)
class StaffUser:
    id: int
    tenant_id: int
    login: str
    display_name: str
    role: StaffRole
    tenant_name: str = ""
    csrf_token: str = ""

    @property
    def actor(self) -> str:
        return f"staff:{self.id}"


@dataclass(frozen=True, slots=True)
class NewSession:
    token: str
    csrf_token: str
    staff: StaffUser


def hash_password(password: str) -> str:
    """For the command line and the demo set-up (the web app hashes on its PasswordPool)."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise BadInputError(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
    return HASHER.hash(password)


async def add_staff(
    pool: asyncpg.Pool, tenant_slug: str, login: str, role: StaffRole, password: str
) -> int:
    """Create a staff account of a cooperative; returns its id."""
    digest = hash_password(password)
    tenant_id = await pool.fetchval(query("tenant_by_slug"), tenant_slug)
    if tenant_id is None:
        raise BadInputError(f"no cooperative with slug {tenant_slug!r}")
    name = login.strip()
    if not name or len(name) > 64:
        raise BadInputError("the login must be 1 to 64 characters")
    try:
        staff_id = int(
            await pool.fetchval(query("insert_staff"), tenant_id, name, name, role.value, digest)
        )
    except asyncpg.UniqueViolationError:
        raise BadInputError(f"login {name!r} is taken") from None
    log.info("staff.added", staff_id=staff_id, tenant_id=tenant_id, role=role.value)
    return staff_id


async def new_session(pool: asyncpg.Pool, row: asyncpg.Record) -> NewSession:
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    await pool.execute(query("delete_expired_staff_sessions"))  # housekeeping, indexed
    await pool.execute(
        query("insert_staff_session"), row["id"], row["tenant_id"], token_hash(token), csrf,
        float(SESSION_TTL_S),
    )  # fmt: skip
    staff = StaffUser(
        row["id"], row["tenant_id"], row["login"], row["display_name"], StaffRole(row["role"])
    )
    log.info("staff.logged_in", staff_id=staff.id, tenant_id=staff.tenant_id)
    return NewSession(token, csrf, staff)


async def session_staff(pool: asyncpg.Pool, token: str) -> StaffUser | None:
    """The staff member of a live session token, with the session's CSRF token."""
    if not token:
        return None
    row = await pool.fetchrow(query("staff_session_by_token"), token_hash(token))
    if row is None:
        return None
    return StaffUser(
        row["id"], row["tenant_id"], row["login"], row["display_name"], StaffRole(row["role"]),
        row["tenant_name"], row["csrf_token"],
    )  # fmt: skip


async def log_out(pool: asyncpg.Pool, token: str) -> None:
    await pool.execute(query("delete_staff_session"), token_hash(token))
    log.info("staff.logged_out")
