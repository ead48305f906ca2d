"""`chotdon chaos`: prove with a run that crashes lose and double nothing (see README)."""

from __future__ import annotations

import asyncio
import io
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

from aggregator.cli.services import services_and_embedded
from aggregator.cli.shell import command_settings, fail_clearly
from aggregator.tools.chaos.config import ChaosConfig
from aggregator.tools.chaos.run import run_chaos

MUST_BE_ZERO = (
    "lost", "duplicate_orders", "duplicate_shipments", "duplicate_messages",
    "pulled_lost", "pulled_stored_twice",  # the live `chotdon facebook-pull` read (chaos/pulled.py)
    "rehearsal_leaks",  # a replay's sandbox orders where real work looks (chaos/rehearsal.py)
    # one live's rules over every channel and payment state (chaos/money.py)
    "oversold", "shipped_unpaid_prepay", "shipped_empty", "cod_mismatch",
)  # fmt: skip


def problems(figures: dict[str, Any]) -> list[str]:
    """What makes the run fail: anything lost or doubled, inconsistent, or left unfinished."""
    found = [f"{name} = {figures[name]}" for name in MUST_BE_ZERO if figures[name]]
    found += [f"{name} = {n}" for name, n in figures["consistency"].items() if n]
    found += [f"unfinished {name} = {n}" for name, n in figures["unfinished"].items()]
    found += [f"still pending: {message}" for message in figures.get("stuck_messages", [])]
    if not figures["pulled_comments_produced"]:
        found.append("the pulled Facebook live produced no comment")
    if not figures["rehearsal_orders"]:
        found.append("the rehearsal made no order")
    if not (figures["paid_in_full"] and figures["paid_in_part"] and figures["refused_by_gate"]):
        found.append("the run did not exercise payments (full, part) and the packing gate")
    return found


def render(figures: dict[str, Any]) -> str:
    table = Table(title="chotdon chaos")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in figures.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items()) or "—"
        table.add_row(name, f"{value:,}" if isinstance(value, int) else str(value))
    buffer = io.StringIO()
    Console(file=buffer, width=110).print(table)
    return buffer.getvalue()


def chaos(
    comments: Annotated[int, typer.Option(help="Comments the lives send in all.")] = 100_000,
    lives: Annotated[
        int, typer.Option(help="Concurrent lives (Facebook, TikTok, Zalo in turn).")
    ] = 12,
    workers: Annotated[int, typer.Option(help="`chotdon worker` processes.")] = 2,
    web: Annotated[
        int, typer.Option(help="`chotdon serve` processes sharing one port (SO_REUSEPORT).")
    ] = 1,
    seed: Annotated[int, typer.Option(help="Seed of the comments and the fault schedule.")] = 7,
    rounds: Annotated[int, typer.Option(help="How many times each kind of fault strikes.")] = 2,
    settle_timeout: Annotated[
        float, typer.Option(help="Seconds to wait for the work to settle after sending.")
    ] = 300.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    keep_database: Annotated[
        bool, typer.Option("--keep-database", help="Keep the run's database to look into.")
    ] = False,
) -> None:
    """Lives on every platform while workers, the web process, Redis, Postgres (restarted when it
    is the embedded one, its connections dropped otherwise) and a courier fail on a schedule;
    exit 1 if anything was lost or doubled."""
    settings = command_settings(log_level="error" if as_json else None)
    config = ChaosConfig(comments=comments, lives=lives, workers=workers, web=web, seed=seed,
                         rounds=rounds, settle_timeout_s=settle_timeout,
                         keep_database=keep_database)  # fmt: skip

    def run() -> dict[str, Any]:
        with services_and_embedded(settings) as (live, embedded):
            restart = embedded.restart_postgres if embedded is not None else None
            return asyncio.run(run_chaos(live, config, restart))

    figures = fail_clearly(run)
    typer.echo(orjson.dumps(figures).decode() if as_json else render(figures))
    found = problems(figures)
    for line in found:
        typer.echo(f"chaos: {line}", err=True)
    raise typer.Exit(1 if found else 0)
