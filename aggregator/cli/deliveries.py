"""`chotdon deliveries replay`: dead letters (verified deliveries chotdon could not read when
they came) processed again after an upgrade; idempotent, so running it twice changes nothing."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from aggregator.cli.replayers import replayers_for
from aggregator.cli.services import resolved_services
from aggregator.cli.shell import command_settings, fail_clearly
from aggregator.inbox.replay import ReplayReport, replay_unreadable
from aggregator.runtime.db import create_pool
from aggregator.settings import Settings

deliveries_app = typer.Typer(help="Webhook deliveries kept as unreadable.", no_args_is_help=True)


async def _replay(settings: Settings, source: str | None) -> ReplayReport:
    pool = await create_pool(settings, min_size=1, max_size=4)
    try:
        async with replayers_for(settings, pool) as replayers:
            return await replay_unreadable(pool, replayers, source)
    finally:
        await pool.close()


def _lines(report: ReplayReport) -> list[str]:
    sources = sorted({*report.read, *report.unreadable, *report.no_replayer})
    if not sources:
        return ["no unreadable deliveries"]
    return [
        f"{source}: {report.read.get(source, 0)} read, "
        f"{report.unreadable.get(source, 0)} still unreadable, "
        f"{report.no_replayer.get(source, 0)} with no replayer yet"
        for source in sources
    ]


@deliveries_app.command("replay")
def replay(
    source: Annotated[
        str | None, typer.Option(help="Only this source (facebook, zalo, courier:ghtk…).")
    ] = None,
) -> None:
    """Process every unreadable delivery again; the ones read take their outcome."""
    settings = command_settings()

    def run() -> ReplayReport:
        with resolved_services(settings) as live:
            return asyncio.run(_replay(live, source))

    for line in _lines(fail_clearly(run)):
        typer.echo(line)
