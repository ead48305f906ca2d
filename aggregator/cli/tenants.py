"""`chotdon tenant add`: a cooperative and its director, for a host serving many cooperatives
(the first cooperative of a fresh installation can also be made on its first page, /thiet-lap).
`chotdon tenant list`: the cooperatives and their health. `chotdon host add`: a host account
for the /may-chu pages. Passwords come from the environment, never an argument."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer

from aggregator.cli.services import resolved_services
from aggregator.cli.shell import command_settings, fail_clearly, read_env_secret
from aggregator.core.cooperative import CooperativeFormError, NewCooperative, new_cooperative
from aggregator.errors import BadInputError
from aggregator.runtime.db import create_pool
from aggregator.settings import Settings
from aggregator.staff.cooperatives import Created, create_cooperative, province_names
from aggregator.staff.host import add_host, cooperatives_health

tenant_app = typer.Typer(help="Cooperatives served by this installation.", no_args_is_help=True)
host_app = typer.Typer(help="Host accounts (the /may-chu pages).", no_args_is_help=True)
Opt = typer.Option


async def _create(settings: Settings, new: NewCooperative) -> Created:
    pool = await create_pool(settings, min_size=1, max_size=1)
    try:
        return await create_cooperative(pool, new)
    except CooperativeFormError as exc:
        raise BadInputError(_named(exc)) from None
    finally:
        await pool.close()


def _checked(fields: dict[str, str]) -> NewCooperative:
    try:
        return new_cooperative(fields, province_names())
    except CooperativeFormError as exc:
        raise BadInputError(_named(exc)) from None


def _named(exc: CooperativeFormError) -> str:
    """Each field's message after the option it is about (--slug: ...)."""
    return " ".join(f"--{k.replace('_', '-')}: {v}" for k, v in exc.errors.items())


@tenant_app.command("add")
def add(
    name: Annotated[str, Opt(help="The cooperative's name (HTX ...).")],
    province: Annotated[str, Opt(help="Province or city, as written since 2025-07-01.")],
    street: Annotated[str, Opt(help="Pickup address: house, hamlet, street.")],
    ward: Annotated[str, Opt(help="Pickup address: ward or commune.")],
    phone: Annotated[str, Opt(help="Pickup phone number.")],
    director_name: Annotated[str, Opt(help="The director's full name.")],
    login: Annotated[str, Opt(help="The director's login.")],
    password_from_env: Annotated[str, Opt(help="Variable holding the director's password.")],
    tax_code: Annotated[str, Opt(help="Tax code (10 digits, or 10-3).")] = "",
    slug: Annotated[str, Opt(help="Short name in addresses (default: from the name).")] = "",
) -> None:
    """Create a cooperative with its director (pickup address and tax code included)."""
    settings = command_settings()

    def run() -> Created:
        password = read_env_secret(password_from_env, "--password-from-env")
        new = _checked({
            "name": name, "province": province, "street": street, "ward": ward, "phone": phone,
            "director_name": director_name, "login": login, "password": password,
            "tax_code": tax_code, "slug": slug,
        })  # fmt: skip
        with resolved_services(settings) as live:
            return asyncio.run(_create(live, new))

    created = fail_clearly(run)
    typer.echo(f"cooperative {created.tenant_id} ({created.slug}) added with director {login}")


async def _health(settings: Settings) -> list[dict[str, Any]]:
    pool = await create_pool(settings, min_size=1, max_size=1)
    try:
        return await cooperatives_health(pool)
    finally:
        await pool.close()


@tenant_app.command("list")
def list_tenants() -> None:
    """Each cooperative with its channels, work waiting and errors of the last 24 hours."""
    settings = command_settings()

    def run() -> list[dict[str, Any]]:
        with resolved_services(settings) as live:
            return asyncio.run(_health(live))

    for r in fail_clearly(run):
        last = r["last_delivery_at"].isoformat(timespec="seconds") if r["last_delivery_at"] else "-"
        typer.echo(
            f"{r['slug']}\t{r['name']}\tchannels={r['active_channels']}\tlast={last}\t"
            f"waiting={r['orders_waiting']}\terrors_24h={r['errors_24h']}"
        )


async def _add_host(settings: Settings, login: str, name: str, password: str) -> int:
    pool = await create_pool(settings, min_size=1, max_size=1)
    try:
        return await add_host(pool, login, name, password)
    finally:
        await pool.close()


@host_app.command("add")
def host_add(
    login: Annotated[str, Opt(help="Login name (unique among hosts and staff).")],
    password_from_env: Annotated[str, Opt(help="Variable holding the password.")],
    name: Annotated[str, Opt(help="Display name.")] = "",
) -> None:
    """Create a host account: it creates cooperatives and sees their health, not their orders."""
    settings = command_settings()

    def run() -> int:
        password = read_env_secret(password_from_env, "--password-from-env")
        with resolved_services(settings) as live:
            return asyncio.run(_add_host(live, login, name, password))

    host_id = fail_clearly(run)
    typer.echo(f"host {host_id}: {login} added; log in at /may-chu/dang-nhap")
