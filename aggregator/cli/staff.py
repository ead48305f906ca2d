"""`chotdon staff add`: a staff account of a cooperative; the password comes from the environment.
`chotdon staff unlock`: forget the wrong tries and the login delay of a login (issue 24).

A password is never an argument (it would sit in the shell history and the process list) and is
never echoed: `--password-from-env VAR` names the variable that holds it.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from aggregator.cli.services import resolved_services
from aggregator.cli.shell import command_settings, fail_clearly, read_env_secret
from aggregator.errors import BadInputError
from aggregator.runtime.db import create_pool
from aggregator.settings import Settings
from aggregator.staff.accounts import add_staff
from aggregator.staff.login import unlock as unlock_login
from schema.enums import StaffRole

staff_app = typer.Typer(help="Staff accounts of a cooperative.", no_args_is_help=True)


def _role(text: str) -> StaffRole:
    if text not in {r.value for r in StaffRole}:
        raise BadInputError(f"--role must be director, staff or packer, not {text!r}")
    return StaffRole(text)


async def _add(settings: Settings, tenant: str, login: str, role: StaffRole, password: str) -> int:
    pool = await create_pool(settings, min_size=1, max_size=1)
    try:
        return await add_staff(pool, tenant, login, role, password)
    finally:
        await pool.close()


@staff_app.command("add")
def add(
    tenant: Annotated[str, typer.Option(help="Cooperative slug.")],
    login: Annotated[str, typer.Option(help="Login name (unique, any case).")],
    role: Annotated[str, typer.Option(help="director, staff or packer.")],
    password_from_env: Annotated[
        str, typer.Option(help="Variable holding the password (never an argument).")
    ],
) -> None:
    """Create a staff account; its password is stored as an argon2 hash."""
    settings = command_settings()

    def run() -> tuple[int, StaffRole]:
        chosen, password = _role(role), read_env_secret(password_from_env, "--password-from-env")
        with resolved_services(settings) as live:
            return asyncio.run(_add(live, tenant, login, chosen, password)), chosen

    staff_id, chosen = fail_clearly(run)
    typer.echo(f"staff {staff_id}: {login} ({chosen.value}) added to {tenant}")


async def _unlock(settings: Settings, login: str) -> bool:
    pool = await create_pool(settings, min_size=1, max_size=1)
    try:
        return await unlock_login(pool, login)
    finally:
        await pool.close()


@staff_app.command("unlock")
def unlock(login: Annotated[str, typer.Argument(help="Login name (any case).")]) -> None:
    """Let a login be tried again at once: forget its wrong tries and its delay.

    For when others keep a login delayed (and its owner has no trusted device yet): the delay
    comes back only if wrong passwords for it keep coming."""
    settings = command_settings()

    def run() -> bool:
        with resolved_services(settings) as live:
            return asyncio.run(_unlock(live, login))

    if fail_clearly(run):
        typer.echo(f"{login}: wrong tries and delay forgotten; it may log in now")
    else:
        typer.echo(f"{login}: had no wrong tries recorded; nothing to unlock")
