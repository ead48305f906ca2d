"""Staff accounts: argon2 password hashes, login with a rate limit, server-side sessions.

A session is a random token in the cookie; the database keeps its SHA-256 and a CSRF token.
Passwords and tokens are never logged.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import asyncpg
import structlog
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from aggregator.core.staff import (
    LOGIN_WINDOW_S,
    login_allowed,
    normalized_login,
    token_hash,
)
from aggregator.errors import BadInputError, ChotdonError
from schema.enums import StaffRole
from schema.queries import query

log = structlog.get_logger()
SESSION_TTL_S = 12 * 3600
_hasher = PasswordHasher()
# Verified when the login is unknown, so a wrong login costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("chotdon-no-such-staff")
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


class LoginThrottledError(ChotdonError):
    """Too many refused logins for this login and address."""

    http_status = 429


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise BadInputError(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
    return _hasher.hash(password)


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


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


async def log_in(pool: asyncpg.Pool, login: str, password: str, ip: str) -> NewSession | None:
    """A new session for the right password; None when refused. Raises when throttled."""
    key = normalized_login(login)
    failures = await pool.fetchval(query("count_login_failures"), key, ip, LOGIN_WINDOW_S)
    if not login_allowed(int(failures)):
        log.warning("staff.login_throttled", ip=ip)
        raise LoginThrottledError(key)
    row = await pool.fetchrow(query("staff_for_login"), key)
    if row is None or not _verify(row["password_hash"], password):
        if row is None:
            _verify(_DUMMY_HASH, password)
        await pool.execute(query("insert_login_failure"), key, ip)
        log.info("staff.login_refused", ip=ip)
        return None
    if _hasher.check_needs_rehash(row["password_hash"]):
        await pool.execute(query("update_staff_password_hash"), row["id"], _hasher.hash(password))
    await pool.execute(query("clear_login_failures"), key, ip)
    return await _new_session(pool, row)


async def _new_session(pool: asyncpg.Pool, row: asyncpg.Record) -> NewSession:
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
