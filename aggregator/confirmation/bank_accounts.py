"""Which cooperative a bank account belongs to, per notification provider, and its sealed secret.

A cooperative connects the account its buyers pay into (`chotdon bank connect`), naming the
provider that watches it (SePay, Casso, payOS) and that provider's secret for its webhooks. The
secret is sealed by aggregator.credentials under the banks' own purpose and is open only in memory
while one notice is verified; a listing never shows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import asyncpg
import structlog

from aggregator.credentials.keyring import bank_cipher
from aggregator.errors import BadInputError
from aggregator.runtime.db import Connection
from aggregator.settings import Settings
from schema.enums import BankProvider
from schema.queries import query

log = structlog.get_logger()
# Bank account and virtual account numbers: letters and digits (VietQR allows up to 19; virtual
# accounts of some banks are longer).
_ACCOUNT = re.compile(r"^[0-9A-Za-z]{1,40}$")


@dataclass(frozen=True)
class BankConnection:
    id: int
    tenant_id: int
    provider: BankProvider
    account_number: str
    secret: str = field(repr=False)


@dataclass(frozen=True)
class BankRequest:
    tenant: str  # the cooperative's slug
    provider: BankProvider
    account_number: str
    secret: str = field(repr=False)


def normal_account(account: str) -> str:
    """The account as stored and as looked up: no spaces, dots or dashes a person may type."""
    cleaned = re.sub(r"[\s.\-]", "", account)
    if not _ACCOUNT.match(cleaned):
        raise BadInputError("the account number must be 1-40 letters or digits")
    return cleaned


async def connection_for(
    conn: Connection | asyncpg.Pool, settings: Settings, provider: BankProvider, account: str
) -> BankConnection | None:
    """The active connection of this provider's account, its secret opened; None if unknown."""
    try:
        number = normal_account(account)
    except BadInputError:
        return None
    row = await conn.fetchrow(query("bank_connection_by_account"), provider.value, number)
    if row is None:
        return None
    secret = bank_cipher(settings).decrypt(row["secret_encrypted"])
    return BankConnection(row["id"], row["tenant_id"], provider, number, secret)


async def connect_bank(pool: asyncpg.Pool, settings: Settings, request: BankRequest) -> int:
    """Create the connection, or replace the same cooperative's secret; returns its id."""
    if not request.secret:
        raise BadInputError("the provider's secret is empty")
    tenant_id = await pool.fetchval(query("tenant_by_slug"), request.tenant)
    if tenant_id is None:
        raise BadInputError(f"no cooperative with slug {request.tenant!r}")
    number = normal_account(request.account_number)
    sealed = bank_cipher(settings).encrypt(request.secret)
    connection_id = await pool.fetchval(
        query("connect_bank_account"), tenant_id, request.provider.value, number, sealed
    )
    if connection_id is None:
        raise BadInputError(
            f"{request.provider.value} account {number} is connected to another cooperative"
        )
    log.info("bank.connected", provider=request.provider.value, bank_connection_id=connection_id)
    return int(connection_id)


async def bank_connections(pool: asyncpg.Pool, tenant: str) -> list[dict[str, object]]:
    """The cooperative's connections, without their secrets."""
    tenant_id = await pool.fetchval(query("tenant_by_slug"), tenant)
    if tenant_id is None:
        raise BadInputError(f"no cooperative with slug {tenant!r}")
    return [dict(r) for r in await pool.fetch(query("bank_connections_of_tenant"), tenant_id)]
