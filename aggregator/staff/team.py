"""The director's staff accounts: who can log in, whose login is delayed by wrong passwords,
unlock (the web twin of `chotdon staff unlock`) and a new password for a staff member.

A reset makes a random password the director reads once and passes on (by voice or Zalo);
it ends the account's open sessions and forgets its login delay. A director resets staff and
packers; another director's password is theirs (the command line stays for that).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import asyncpg
import structlog

from aggregator.errors import BadInputError, ConflictError, NotFoundError
from aggregator.staff.accounts import StaffUser
from aggregator.staff.login import unlock
from aggregator.staff.passwords import PasswordPool
from schema.enums import StaffRole
from schema.queries import query

log = structlog.get_logger()
# Easy to read aloud and type on a phone: no 0/O, 1/l/I.
ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
NEW_PASSWORD_CHARS = 12
ROLE_TEXT = {StaffRole.DIRECTOR: "Giám đốc", StaffRole.STAFF: "Nhân viên",
             StaffRole.PACKER: "Đóng gói"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    login: str
    display_name: str
    role: StaffRole
    active: bool
    wrong_tries: int
    delayed_until: datetime | None


class NoSuchAccountError(NotFoundError):
    """No account with this id in the director's cooperative."""


class NotYoursError(ConflictError):
    """A director's password: theirs to change (the command line stays for a lost one)."""


LOGIN = re.compile(r"[a-z0-9][a-z0-9._-]{2,31}")
ADDABLE = (StaffRole.STAFF, StaffRole.PACKER)


class AccountFormError(BadInputError):
    """What to fix in the new-account form: {field: Vietnamese message}."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class NewAccount:
    display_name: str
    login: str
    role: StaffRole


def account_form(form: dict[str, str]) -> NewAccount:
    """The new-account form, checked: a name, a login of 3-32 plain letters, a staff role."""
    name = " ".join(form.get("display_name", "").split())[:80]
    login = form.get("login", "").strip().lower()
    role = form.get("role", "")
    errors = {}
    if not name:
        errors["display_name"] = "Hãy nhập tên người dùng."
    if not LOGIN.fullmatch(login):
        errors["login"] = "Tên đăng nhập 3–32 ký tự: chữ không dấu, số, dấu chấm, gạch."
    if role not in {r.value for r in ADDABLE}:
        errors["role"] = "Hãy chọn Nhân viên hoặc Đóng gói."
    if errors:
        raise AccountFormError(errors)
    return NewAccount(name, login, StaffRole(role))


def new_password() -> str:
    """12 letters and digits in groups of four: 'k7pq-3mzx-h2wa'."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(NEW_PASSWORD_CHARS))
    return "-".join(raw[i : i + 4] for i in range(0, NEW_PASSWORD_CHARS, 4))


async def accounts(pool: asyncpg.Pool, director: StaffUser) -> list[Account]:
    rows = await pool.fetch(query("staff_accounts"), director.tenant_id)
    return [
        Account(r["id"], r["login"], r["display_name"], StaffRole(r["role"]), r["active"],
                r["wrong_tries"], r["delayed_until"])
        for r in rows
    ]  # fmt: skip


async def _own_account(pool: asyncpg.Pool, director: StaffUser, staff_id: int) -> asyncpg.Record:
    row = await pool.fetchrow(query("staff_account"), director.tenant_id, staff_id)
    if row is None:
        raise NoSuchAccountError(staff_id)
    return row


async def unlock_account(pool: asyncpg.Pool, director: StaffUser, staff_id: int) -> str:
    """Forget an account's wrong tries and login delay; returns its display name."""
    row = await _own_account(pool, director, staff_id)
    await unlock(pool, row["login"])
    log.info("staff.unlocked_by_director", staff_id=staff_id, by=director.id)
    return str(row["display_name"])


async def reset_password(
    pool: asyncpg.Pool, hasher: PasswordPool, director: StaffUser, staff_id: int
) -> tuple[str, str]:
    """A new password for a staff member or packer: (display name, the password, shown once)."""
    row = await _own_account(pool, director, staff_id)
    if StaffRole(row["role"]) is StaffRole.DIRECTOR:
        raise NotYoursError(staff_id)
    password = new_password()
    digest = await hasher.hash(password, trusted=True)
    await pool.execute(query("reset_staff_password"), director.tenant_id, staff_id, digest)
    log.info("staff.password_reset", staff_id=staff_id, by=director.id)
    return str(row["display_name"]), password


async def add_account(
    pool: asyncpg.Pool, hasher: PasswordPool, director: StaffUser, new: NewAccount
) -> str:
    """Create a staff member or packer of the director's cooperative; returns the password,
    shown once. AccountFormError when the login is taken."""
    password = new_password()
    digest = await hasher.hash(password, trusted=True)
    created = await pool.fetchval(
        query("insert_staff_account"), director.tenant_id, new.login, new.display_name,
        new.role.value, digest,
    )  # fmt: skip
    if created is None:
        raise AccountFormError({"login": "Tên đăng nhập này đã có người dùng. Hãy chọn tên khác."})
    log.info("staff.account_added", staff_id=created, role=new.role.value, by=director.id)
    return password
