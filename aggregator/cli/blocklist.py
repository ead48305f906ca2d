"""`chotdon blocklist add|remove|list`: a cooperative's block list from the shell, the same rules
as the director's /chan page (mobile numbers normalised, a reason required)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import asyncpg
import typer

from aggregator.cli.services import resolved_services
from aggregator.cli.shell import command_settings, fail_clearly
from aggregator.errors import BadInputError
from aggregator.runtime.db import create_pool
from aggregator.settings import Settings
from aggregator.staff.courier import (
    block_phone,
    blocked_phones,
    read_block_form,
    unblock_phone,
)
from schema.queries import query

blocklist_app = typer.Typer(
    help="Buyers a cooperative sends no COD parcel to.", no_args_is_help=True
)
ACTOR = "cli"


async def _tenant(pool: asyncpg.Pool, slug: str) -> int:
    tenant_id = await pool.fetchval(query("tenant_by_slug"), slug)
    if tenant_id is None:
        raise BadInputError(f"no cooperative with slug {slug!r}")
    return int(tenant_id)


async def _run(settings: Settings, slug: str, action: str, phone: str, reason: str) -> list[str]:
    pool = await create_pool(settings, min_size=1, max_size=1)
    try:
        tenant_id = await _tenant(pool, slug)
        if action == "list":
            rows = await blocked_phones(pool, tenant_id)
            return [f"{r['phone']}\t{r['created_at']:%Y-%m-%d}\t{r['blocked_by']}\t{r['reason']}"
                    for r in rows]  # fmt: skip
        read = read_block_form({"phone": phone, "reason": reason or "-"})
        if read.errors:
            raise BadInputError(" ".join(read.errors.values()))
        if action == "add":
            await block_phone(pool, tenant_id, read.phone, reason or "-", ACTOR)
            return [f"{read.phone} blocked"]
        found = await unblock_phone(pool, tenant_id, read.phone)
        return [f"{read.phone} {'unblocked' if found else 'was not blocked'}"]
    finally:
        await pool.close()


def _main(slug: str, action: str, phone: str = "", reason: str = "") -> None:
    settings = command_settings()

    def run() -> list[str]:
        with resolved_services(settings) as live:
            return asyncio.run(_run(live, slug, action, phone, reason))

    for line in fail_clearly(run):
        typer.echo(line)


Tenant = Annotated[str, typer.Option(help="Cooperative slug.")]
Phone = Annotated[str, typer.Option(help="Vietnamese mobile number, any common writing.")]


@blocklist_app.command("add")
def add(
    tenant: Tenant, phone: Phone, reason: Annotated[str, typer.Option(help="Why (required).")]
) -> None:
    """Block a buyer's phone: their orders must be paid by transfer before shipping."""
    if not reason.strip():
        typer.echo("chotdon: error: --reason is required", err=True)
        raise typer.Exit(1)
    _main(tenant, "add", phone, reason.strip())


@blocklist_app.command("remove")
def remove(tenant: Tenant, phone: Phone) -> None:
    """Take a phone off the block list."""
    _main(tenant, "remove", phone)


@blocklist_app.command("list")
def list_(tenant: Tenant) -> None:
    """The blocked phones, newest first: phone, date, who, reason (tab-separated)."""
    _main(tenant, "list")
