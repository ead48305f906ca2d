"""`chotdon rotate-keys` and `chotdon buyer export|erase`: secrets at rest and buyers' data.

rotate-keys re-seals every stored credential under the newest of CHOTDON_CREDENTIAL_KEYS. buyer
export prints (or writes) a JSON of everything held on a buyer; buyer erase removes their
personal data and keeps order totals for tax records. Both are recorded in privacy_requests.
"""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar

import orjson
import typer

from aggregator.cli.services import resolved_services
from aggregator.cli.shell import command_settings, fail_clearly
from aggregator.credentials.keyring import Rotation, rotate_credentials
from aggregator.orders.privacy import erase_buyer, export_buyer
from aggregator.runtime.db import create_pool
from aggregator.settings import Settings

buyer_app = typer.Typer(help="A buyer's personal data: export, erase.", no_args_is_help=True)
T = TypeVar("T")
Tenant = Annotated[str, typer.Option(help="Cooperative slug.")]
Phone = Annotated[str, typer.Option(help="The buyer's mobile number, in any common writing.")]


def _run(work: Callable[[Settings], Coroutine[Any, Any, T]]) -> T:
    settings = command_settings()

    def run() -> T:
        with resolved_services(settings) as live:
            return asyncio.run(work(live))

    return fail_clearly(run)


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def rotate_keys() -> None:
    """Re-seal every stored channel credential and bank secret under the newest key."""

    async def work(settings: Settings) -> Rotation:
        pool = await create_pool(settings, min_size=1, max_size=1)
        try:
            return await rotate_credentials(pool, settings)
        finally:
            await pool.close()

    done = _run(work)
    typer.echo(f"re-sealed {done.resealed} credentials under the newest key")
    if done.unreadable:
        ids = ", ".join(str(i) for i in done.unreadable)
        typer.echo(f"chotdon: error: no key opens the credentials of channels {ids}", err=True)
    if done.unreadable_banks:
        ids = ", ".join(str(i) for i in done.unreadable_banks)
        typer.echo(f"chotdon: error: no key opens the secrets of bank connections {ids}", err=True)
    if done.unreadable_couriers:
        ids = ", ".join(str(i) for i in done.unreadable_couriers)
        typer.echo(f"chotdon: error: no key opens the courier accounts {ids}", err=True)
    if done.unreadable or done.unreadable_banks or done.unreadable_couriers:
        raise typer.Exit(1)


@buyer_app.command("export")
def export(
    tenant: Tenant,
    phone: Phone,
    output: Annotated[Path | None, typer.Option(help="Write the JSON here (else stdout).")] = None,
) -> None:
    """Everything chotdon holds on a buyer, as one JSON document."""

    async def work(settings: Settings) -> bytes:
        pool = await create_pool(settings, min_size=1, max_size=1)
        try:
            data = await export_buyer(pool, tenant, phone, _actor())
        finally:
            await pool.close()
        return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)

    document = _run(work)
    if output is None:
        typer.echo(document.decode())
    else:
        output.write_bytes(document)
        typer.echo(f"written to {output}")


@buyer_app.command("erase")
def erase(
    tenant: Tenant,
    phone: Phone,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: this cannot be undone.")] = False,
) -> None:
    """Erase a buyer's personal data (orders' numbers, lines and totals stay for tax records)."""
    if not yes:
        typer.echo("chotdon: error: erasure cannot be undone; add --yes to confirm", err=True)
        raise typer.Exit(1)

    async def work(settings: Settings) -> dict[str, int]:
        pool = await create_pool(settings, min_size=1, max_size=1)
        try:
            return await erase_buyer(pool, tenant, phone, _actor())
        finally:
            await pool.close()

    counts = _run(work)
    typer.echo("erased: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
