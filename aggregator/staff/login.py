"""Logging in: cheap limits reserved in the database first, then the password checked off the
event loop, then a session.

Order matters for cost: a try that the limits refuse costs one SQL statement and no hashing; a
try that gets through costs one argon2 check whether or not the login exists (a dummy hash stands
in for an unknown login), so timing tells nothing about which logins exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
import structlog

from aggregator.core.login_limits import LoginPolicy, retry_after_s
from aggregator.core.staff import normalized_login
from aggregator.errors import ChotdonError
from aggregator.staff.accounts import NewSession, new_session
from aggregator.staff.passwords import HASHER, PasswordPool, PasswordPoolBusyError
from schema.queries import query

log = structlog.get_logger()


class LoginThrottledError(ChotdonError):
    """Too many tries lately for this address, login or device: wait `retry_after_s`."""

    http_status = 429

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"login delayed for {retry_after_s} s")
        self.retry_after_s = retry_after_s


@dataclass(frozen=True, slots=True)
class LoginTry:
    login: str
    password: str
    address: str
    device: str | None = None  # id of a trusted device of this login (signed cookie), if any


async def reserve(pool: asyncpg.Pool, policy: LoginPolicy, attempt: LoginTry) -> None:
    """Take a place in every bucket of the try, in one statement; raise when one refuses."""
    now = datetime.now(UTC)
    key = normalized_login(attempt.login)
    buckets = policy.buckets(key, attempt.address, attempt.device, now)
    rows = await pool.fetch(
        query("reserve_login_attempt"),
        [b.scope.value for b in buckets], [b.key for b in buckets], [b.free for b in buckets],
        policy.first_delay_s, policy.longest_delay_s, policy.quiet_s,
    )  # fmt: skip
    if not all(r["reserved"] for r in rows):
        refusing = [r for r in rows if r["wait_s"] > 0]
        wait = retry_after_s([r["wait_s"] for r in refusing])
        log.warning("staff.login_delayed", client=attempt.address,
                    scopes=sorted(r["scope"] for r in refusing), retry_after_s=wait)  # fmt: skip
        raise LoginThrottledError(wait)


async def log_in(
    pool: asyncpg.Pool, passwords: PasswordPool, policy: LoginPolicy, attempt: LoginTry
) -> NewSession | None:
    """A new session for the right password; None when refused. Raises LoginThrottledError
    when the limits refuse the try, PasswordPoolBusyError when every password worker is taken."""
    trusted = attempt.device is not None
    if not passwords.has_room(trusted):  # before reserving: a busy server uses up no tries
        raise PasswordPoolBusyError("password checks are all busy")
    await reserve(pool, policy, attempt)
    key = normalized_login(attempt.login)
    row = await pool.fetchrow(query("staff_for_login"), key)
    # An unknown login is checked too (against a dummy hash): it costs what a wrong password does.
    stored = row["password_hash"] if row is not None else None
    if not await passwords.verify(stored, attempt.password, trusted) or row is None:
        await pool.execute(query("insert_login_failure"), key, attempt.address)
        log.info("staff.login_refused", client=attempt.address, trusted_device=bool(attempt.device))
        return None
    if HASHER.check_needs_rehash(row["password_hash"]):
        fresh = await passwords.hash(attempt.password, trusted)
        await pool.execute(query("update_staff_password_hash"), row["id"], fresh)
    await pool.execute(query("login_succeeded"), key, attempt.address, attempt.device or "")
    return await new_session(pool, row)


async def unlock(pool: asyncpg.Pool, login: str) -> bool:
    """Forget the tries and delay of a login (`chotdon staff unlock`); False if it had none."""
    rows = await pool.fetch(query("unlock_login"), normalized_login(login))
    log.info("staff.login_unlocked", had_delay=bool(rows))
    return bool(rows)


async def forget_stale_tries(pool: asyncpg.Pool, quiet_s: float) -> int:
    """Delete buckets quiet for `quiet_s` (they would start afresh anyway); a worker cron job."""
    deleted = int(await pool.fetchval(query("delete_stale_login_limits"), quiet_s))
    log.info("staff.login_buckets_forgotten", deleted=deleted)
    return deleted
