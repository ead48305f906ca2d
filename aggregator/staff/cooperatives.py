"""Creating a cooperative with its director, and the cooperative's own settings.

One path for the first-run page, the host's page and `chotdon tenant add`: the cooperative row
(name, province, tax code, pickup address) and its director's account in one transaction. The
first run also takes an advisory lock and checks that no cooperative exists yet, so two browsers
posting the form at once make one cooperative and a later post makes none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg
import structlog

from aggregator.confirmation.addresses import divisions
from aggregator.core.cooperative import (
    CooperativeFormError,
    NewCooperative,
    Pickup,
    Profile,
    VietQrAccount,
)
from aggregator.credentials.keyring import bank_cipher
from aggregator.errors import ConflictError, NotFoundError
from aggregator.runtime.db import Connection
from aggregator.settings import Settings
from aggregator.staff.passwords import HASHER
from schema.enums import BankProvider, StaffRole
from schema.queries import query

log = structlog.get_logger()


class AlreadySetUpError(ConflictError):
    """The first-run page was posted on an installation that already has a cooperative."""


def province_names() -> frozenset[str]:
    """The 34 provinces and cities since 2025-07-01, by name (what the form accepts)."""
    return frozenset(province_choices())


def province_choices() -> list[str]:
    """The same in the order a person looks for them (Vietnamese alphabetical)."""
    return [p.name for p in divisions().provinces]


@dataclass(frozen=True, slots=True)
class Created:
    tenant_id: int
    staff_id: int
    slug: str


async def _insert(conn: Connection, new: NewCooperative, password_hash: str) -> Created:
    errors: dict[str, str] = {}
    if await conn.fetchval(query("slug_taken"), new.slug):
        errors["slug"] = f"Tên viết tắt “{new.slug}” đã có hợp tác xã khác dùng: hãy chọn tên khác."
    if await conn.fetchval(query("login_taken"), new.director.login):
        errors["login"] = "Tên đăng nhập này đã có người dùng: hãy chọn tên khác."
    if errors:
        raise CooperativeFormError(errors)
    profile = new.profile
    settings = {"sender": profile.pickup.as_settings()}
    tenant_id = await conn.fetchval(
        query("insert_tenant"), new.slug, profile.name, profile.province, profile.tax_code,
        settings,
    )  # fmt: skip
    if tenant_id is None:  # taken between the check and the insert
        raise CooperativeFormError({"slug": "Tên viết tắt này vừa có người dùng."})
    director = new.director
    staff_id = await conn.fetchval(
        query("insert_staff"), tenant_id, director.login, director.display_name,
        StaffRole.DIRECTOR.value, password_hash,
    )  # fmt: skip
    return Created(int(tenant_id), int(staff_id), new.slug)


async def create_cooperative(
    pool: asyncpg.Pool, new: NewCooperative, *, password_hash: str | None = None,
    first_run: bool = False,
) -> Created:  # fmt: skip
    """The cooperative and its director. `first_run`: only if no cooperative exists yet
    (AlreadySetUpError otherwise). The hash may come from the web's password pool."""
    digest = password_hash or HASHER.hash(new.director.password)
    async with pool.acquire() as conn, conn.transaction():
        if first_run:
            await conn.execute(query("first_run_lock"))
            if await conn.fetchval(query("tenant_count")):
                raise AlreadySetUpError("this installation already has a cooperative")
        try:
            created = await _insert(conn, new, digest)
        except asyncpg.UniqueViolationError:
            raise CooperativeFormError({"login": "Tên đăng nhập này vừa có người dùng."}) from None
    log.info("tenant.created", tenant_id=created.tenant_id, staff_id=created.staff_id,
             first_run=first_run)  # fmt: skip
    return created


async def is_fresh(pool: asyncpg.Pool) -> bool:
    """No cooperative yet: the first page is the set-up page."""
    return not await pool.fetchval(query("tenant_count"))


@dataclass(frozen=True, slots=True)
class CooperativeSettings:
    slug: str
    profile: Profile
    raw: dict[str, Any]  # tenants.settings as stored


async def load_settings(conn: Connection | asyncpg.Pool, tenant_id: int) -> CooperativeSettings:
    row = await conn.fetchrow(query("cooperative_profile"), tenant_id)
    if row is None:
        raise NotFoundError("no such cooperative")
    raw = dict(row["settings"] or {})
    pickup = Pickup.of(raw)
    profile = Profile(row["name"], row["province"], row["tax_code"], pickup)
    return CooperativeSettings(row["slug"], profile, raw)


async def save_profile(conn: Connection, tenant_id: int, profile: Profile) -> None:
    keys = {"sender": profile.pickup.as_settings()}
    await conn.fetchval(
        query("update_cooperative_profile"), tenant_id, profile.name, profile.province,
        profile.tax_code, keys,
    )  # fmt: skip
    log.info("tenant.profile_saved", tenant_id=tenant_id)


async def save_settings_keys(conn: Connection, tenant_id: int, keys: dict[str, Any]) -> None:
    """Set (or, with None, remove) keys of tenants.settings."""
    await conn.fetchval(query("merge_tenant_settings"), tenant_id, keys)
    log.info("tenant.settings_saved", tenant_id=tenant_id, keys=sorted(keys))


async def save_vietqr(conn: Connection, tenant_id: int, account: VietQrAccount) -> None:
    await save_settings_keys(conn, tenant_id, {"vietqr": account.as_settings()})


async def connect_provider(
    pool: asyncpg.Pool, settings: Settings, tenant_id: int, provider: BankProvider,
    account_no: str, secret: str,
) -> int:  # fmt: skip
    """The notification provider watching the account, with its secret sealed (owner pool: an
    account another cooperative connected must be refused, not hidden by row-level security)."""
    sealed = bank_cipher(settings).encrypt(secret)
    connection_id = await pool.fetchval(
        query("connect_bank_account"), tenant_id, provider.value, account_no, sealed
    )
    if connection_id is None:
        raise CooperativeFormError(
            {"secret": "Tài khoản này đã được một hợp tác xã khác kết nối với dịch vụ báo tiền."}
        )
    log.info("bank.connected", tenant_id=tenant_id, provider=provider.value,
             bank_connection_id=connection_id)  # fmt: skip
    return int(connection_id)


async def bank_connections_of(conn: Connection | asyncpg.Pool, tenant_id: int) -> list[Any]:
    return list(await conn.fetch(query("bank_connections_of_tenant"), tenant_id))


async def disconnect_provider(conn: Connection, tenant_id: int, connection_id: int) -> bool:
    """Stop taking this service's notices for the cooperative's account."""
    done = await conn.fetchval(query("disconnect_bank_connection"), tenant_id, connection_id)
    log.info("bank.disconnected", tenant_id=tenant_id, bank_connection_id=connection_id)
    return done is not None
