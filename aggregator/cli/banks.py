"""`chotdon bank connect|list`: a cooperative's bank account, watched by SePay, Casso or payOS.

The provider's secret (SePay API key or HMAC secret, Casso webhook key, payOS checksum key) is
never an argument (it would sit in the shell history and the process list) and never echoed:
`--secret-from-env VAR` names the variable that holds it. It is stored sealed.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import orjson
import typer

from aggregator.cli.services import resolved_services
from aggregator.cli.shell import command_settings, fail_clearly, read_env_secret
from aggregator.confirmation.bank_accounts import BankRequest, bank_connections, connect_bank
from aggregator.errors import BadInputError
from aggregator.runtime.db import create_pool
from aggregator.settings import Settings
from schema.enums import BankProvider

bank_app = typer.Typer(
    help="Connect and list a cooperative's bank accounts (SePay, Casso, payOS).",
    no_args_is_help=True,
)
Tenant = Annotated[str, typer.Option(help="Cooperative slug.")]
PROVIDERS = ", ".join(p.value for p in BankProvider)


def _provider(value: str) -> BankProvider:
    try:
        return BankProvider(value.strip().lower())
    except ValueError:
        raise BadInputError(f"--provider must be {PROVIDERS}, not {value!r}") from None


async def _connect(settings: Settings, request: BankRequest) -> int:
    pool = await create_pool(settings, min_size=1, max_size=1)
    try:
        return await connect_bank(pool, settings, request)
    finally:
        await pool.close()


async def _list(settings: Settings, tenant: str) -> list[dict[str, object]]:
    pool = await create_pool(settings, min_size=1, max_size=1)
    try:
        return await bank_connections(pool, tenant)
    finally:
        await pool.close()


@bank_app.command("connect")
def connect(
    tenant: Tenant,
    provider: Annotated[str, typer.Option(help=f"{PROVIDERS}.")],
    account: Annotated[str, typer.Option(help="The account number buyers transfer to.")],
    secret_from_env: Annotated[
        str | None,
        typer.Option(help="Variable holding the provider's key (never an argument)."),
    ] = None,
) -> None:
    """Connect (or re-key) the account; notices for it are then verified with this secret."""
    settings = command_settings()

    def run() -> int:
        request = BankRequest(
            tenant, _provider(provider), account, read_env_secret(secret_from_env)
        )
        with resolved_services(settings) as live:
            return asyncio.run(_connect(live, request))

    connection_id = fail_clearly(run)
    typer.echo(
        f"bank connection {connection_id}: {provider} account {account} connected "
        f"(secret encrypted); point its webhook at /webhooks/payments/{provider}"
    )


@bank_app.command("list")
def list_(tenant: Tenant) -> None:
    """The cooperative's bank connections, one JSON line each (no secrets shown)."""
    settings = command_settings()

    def run() -> list[dict[str, object]]:
        with resolved_services(settings) as live:
            return asyncio.run(_list(live, tenant))

    for row in fail_clearly(run):
        typer.echo(orjson.dumps(row, default=str).decode())
