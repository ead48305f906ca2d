"""What every `chotdon` command does the same way: read the settings once and configure logging,
and turn our known failures into one line on stderr and exit 1 instead of a traceback wall."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from aggregator.errors import BadInputError, ChotdonError
from aggregator.logging import configure_logging
from aggregator.settings import Settings, load_settings

# The --data-dir option every command that starts services takes.
DataDir = Annotated[
    Path | None, typer.Option(help="Folder of the embedded Postgres/Redis (CHOTDON_DATA_DIR).")
]

T = TypeVar("T")


def command_settings(*, log_level: str | None = None, **overrides: Any) -> Settings:
    """The one Settings of this command (options given on the command line win)."""
    settings = load_settings(**overrides)
    configure_logging(log_level or settings.log_level, settings.log_json)
    return settings


def fail_clearly(action: Callable[[], T]) -> T:
    """Run the command's work; a ChotdonError prints `chotdon: error: …` and exits 1."""
    try:
        return action()
    except ChotdonError as exc:
        typer.echo(f"chotdon: error: {exc}", err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


def read_env_secret(variable: str | None, option: str = "--secret-from-env") -> str:
    """A token, secret or password read from the named environment variable, never from an
    argument (arguments land in shell history and in the process list)."""
    if variable is None:
        raise BadInputError(f"{option} VAR is required: the token or secret is read from VAR")
    value = os.environ.get(variable)
    if not value:
        raise BadInputError(f"environment variable {variable} is not set or empty")
    return value
