"""The `chotdon` command: the composition root, the only place that wires workers to the rest."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from aggregator.cli import commands, operations, parse as parse_cli
from aggregator.cli.banks import bank_app
from aggregator.cli.bench import bench_app
from aggregator.cli.blocklist import blocklist_app
from aggregator.cli.channels import channel_app
from aggregator.cli.chaos import chaos
from aggregator.cli.deliveries import deliveries_app
from aggregator.cli.money import money_app
from aggregator.cli.privacy import buyer_app, rotate_keys
from aggregator.cli.privacy_rights import privacy_app
from aggregator.cli.questions import questions_app
from aggregator.cli.services import resolved_services
from aggregator.cli.shell import DataDir, command_settings, fail_clearly
from aggregator.cli.single_instance import single_instance
from aggregator.cli.staff import staff_app
from aggregator.cli.tenants import host_app, tenant_app
from aggregator.core.cod import Reconciliation
from aggregator.ingest.csv_import import CsvKind, format_bad_rows
from aggregator.platforms.facebook.runner import run_facebook_pull
from aggregator.rehearsal.replay import ReplaySource
from aggregator.runtime.jobs import QUEUES
from aggregator.runtime.migrations import migrate_database
from aggregator.settings import Settings
from aggregator.shipping.cod import reconcile_file
from aggregator.shipping.slips import write_session_slips
from aggregator.tools.demo.demo_live import DEMO_OPENING_S, DemoLiveOptions
from aggregator.tools.demo.supervisor import DemoOptions, run_demo
from schema.enums import Courier
from workers.runner import run_worker

app = typer.Typer(
    name="chotdon",
    help=(
        "chotdon: livestream order system for cooperatives. Without DATABASE_URL / REDIS_URL every "
        "command runs on embedded Postgres and Redis under CHOTDON_DATA_DIR (.chotdon-data)."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
Port = Annotated[int | None, typer.Option(help="HTTP port (CHOTDON_PORT, default 8080).")]


def _settings(data_dir: Path | None = None, port: int | None = None) -> Settings:
    overrides: dict[str, Any] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if port is not None:
        overrides["port"] = port
    return command_settings(**overrides)


@app.command()
def migrate(data_dir: DataDir = None) -> None:
    """Apply the database migrations (idempotent; refuses a database from a newer chotdon)."""
    settings = _settings(data_dir)

    def run() -> None:
        with resolved_services(settings) as live:
            report = asyncio.run(migrate_database(live))
        applied = ", ".join(f"{v:04d}" for v in report.applied) or "nothing new"
        typer.echo(f"schema at version {report.current_version} (applied: {applied})")

    fail_clearly(run)


@app.command()
def serve(
    data_dir: DataDir = None,
    port: Port = None,
    reuse_port: Annotated[
        bool,
        typer.Option(
            "--reuse-port",
            help="Share the port with other serve processes (SO_REUSEPORT; CHOTDON_REUSE_PORT).",
        ),
    ] = False,
) -> None:
    """Run the web app: webhooks, JSON API, staff pages, /healthz and /metrics."""
    settings = _settings(data_dir, port)
    if reuse_port:
        settings = settings.model_copy(update={"reuse_port": True})

    def run() -> None:
        commands.check_shared_port(settings)
        with single_instance(settings), resolved_services(settings) as live:
            commands.preflight(live)
            commands.serve(live)

    fail_clearly(run)


@app.command()
def worker(
    data_dir: DataDir = None,
    queue: Annotated[
        str | None,
        typer.Option(
            help="Run one queue only: 'orders' (merges) or 'outbound' (messages, couriers, "
            "platform calls). Default: both, each with its own worker slots.",
            envvar="CHOTDON_WORKER_QUEUE",
        ),
    ] = None,
) -> None:
    """Run the arq workers: merges comments, sends messages, books couriers, sweeps."""
    settings = _settings(data_dir)
    if queue is not None and queue not in QUEUES:
        raise typer.BadParameter("orders or outbound", param_hint="--queue")

    def run() -> None:
        with resolved_services(settings) as live:
            commands.preflight(live)
            run_worker(live, queue)

    fail_clearly(run)


@app.command()
def demo(
    data_dir: DataDir = None,
    port: Port = None,
    duration: Annotated[
        float | None,
        typer.Option(help="Stop by itself after this many seconds (a set live plays whole)."),
    ] = None,
    comments: Annotated[int, typer.Option(help="Comments in the demo live.")] = 600,
    live_seconds: Annotated[
        float | None,
        typer.Option(help="Play one live of this length (default: on air until Ctrl-C)."),
    ] = None,
    confirm_window: Annotated[
        float, typer.Option(help="Seconds a buyer has to confirm before the hold expires.")
    ] = 900.0,
    no_input: Annotated[
        bool, typer.Option("--no-input", help="Unattended: no live display.")
    ] = False,
    no_live: Annotated[
        bool, typer.Option("--no-live", help="Start the pieces, play nothing.")
    ] = False,
    report: Annotated[Path | None, typer.Option(help="Write the run's report (JSON) here.")] = None,
) -> None:
    """Embedded Postgres and Redis, web app and worker, and a live on Facebook, TikTok and Zalo."""
    settings = _settings(data_dir, port).model_copy(update={"confirm_window_s": confirm_window})
    live = DemoLiveOptions(
        comments=comments, live_seconds=live_seconds or DEMO_OPENING_S, interactive=not no_input,
        until_stopped=live_seconds is None,
    )  # fmt: skip
    options = DemoOptions(duration_s=duration, live=None if no_live else live, report_path=report)

    def run() -> None:
        with single_instance(settings), resolved_services(settings) as services:
            run_demo(services, options)

    fail_clearly(run)


@app.command()
def replay(
    source: Annotated[str, typer.Argument(help="A live session id, or a JSON-lines recording.")],
    tenant: Annotated[
        str | None, typer.Option(help="Cooperative slug whose catalogue a file plays against.")
    ] = None,
    speed: Annotated[float, typer.Option(help="1 = real time; 10 = ten times faster.")] = 1.0,
    data_dir: DataDir = None,
) -> None:
    """Replay a live into a rehearsal copy (own live and stock) to train staff or test a plan."""
    settings = _settings(data_dir)

    def run() -> dict[str, object]:
        where = ReplaySource.parse(source, tenant)
        with resolved_services(settings) as services:
            return asyncio.run(operations.replay_live(services, where, speed))

    outcome = fail_clearly(run)
    for bad in outcome.pop("bad_lines"):  # type: ignore[attr-defined]
        typer.echo(f"line {bad['line']}: {bad['error']} (skipped)", err=True)
    typer.echo(orjson.dumps(outcome, option=orjson.OPT_INDENT_2).decode())


@app.command()
def parse(
    catalog: Annotated[Path, typer.Option(help="Catalogue JSON: [{code, name, aliases, ...}].")],
    eval_file: Annotated[
        Path | None,
        typer.Option("--eval", help="Labelled JSON lines: print accuracy instead of parsing."),
    ] = None,
) -> None:
    """Read comments as JSON lines on stdin ({"id", "text"}); write one reading per line."""

    def run() -> int:
        if eval_file is not None:
            return parse_cli.run_eval(catalog, eval_file, sys.stdout)
        return parse_cli.run_parse(catalog, sys.stdin, sys.stdout)

    raise typer.Exit(fail_clearly(run))


app.add_typer(bench_app, name="bench")
app.add_typer(channel_app, name="channel")
app.add_typer(staff_app, name="staff")
app.add_typer(blocklist_app, name="blocklist")
app.add_typer(money_app, name="money-rules")
app.add_typer(buyer_app, name="buyer")
app.add_typer(privacy_app, name="privacy")
app.add_typer(deliveries_app, name="deliveries")
app.add_typer(bank_app, name="bank")
app.add_typer(questions_app, name="questions")
app.add_typer(tenant_app, name="tenant")
app.add_typer(host_app, name="host")
app.command("rotate-keys")(rotate_keys)
app.command("chaos")(chaos)


@app.command("import-csv")
def import_csv(
    path: Annotated[Path, typer.Argument(help="CSV file with a header row.")],
    kind: Annotated[CsvKind, typer.Option(help="comments, or orders typed in by staff.")],
    data_dir: DataDir = None,
) -> None:
    """Import comments or staff-typed orders; bad rows are listed by line and skipped (exit 2)."""
    settings = _settings(data_dir)

    def run() -> operations.ImportReport:
        with resolved_services(settings) as live:
            return asyncio.run(operations.import_csv(live, path, kind))

    report = fail_clearly(run)
    stats = report.stats
    typer.echo(
        f"{report.rows} rows: {stats.stored} stored, {stats.duplicates} already there, "
        f"{stats.orphaned} orphaned (no matching live), {len(report.bad_rows)} bad"
    )
    for line in format_bad_rows(report.bad_rows):
        typer.echo(line, err=True)
    if report.bad_rows or stats.failed_batches:
        raise typer.Exit(2)


@app.command()
def slips(
    session_id: Annotated[int, typer.Argument(help="Live session id.")],
    out: Annotated[Path, typer.Option("--out", help="PDF file to write.")] = Path("slips.pdf"),
    data_dir: DataDir = None,
) -> None:
    """Print the A6 packing slips (barcode, QR, items, COD) of a live session's orders to a PDF."""
    settings = _settings(data_dir)

    def run() -> int:
        with resolved_services(settings) as live:
            return asyncio.run(write_session_slips(live, session_id, out))

    typer.echo(f"{fail_clearly(run)} slips written to {out}")


@app.command("cod-reconcile")
def cod_reconcile(
    path: Annotated[Path, typer.Argument(help="The courier's COD report (CSV with a header).")],
    courier: Annotated[Courier, typer.Option(help="ghn, ghtk or viettelpost.")],
    data_dir: DataDir = None,
) -> None:
    """Match a courier's COD report to our parcels; list mismatches, unknown and missing ones."""
    settings = _settings(data_dir)

    def run() -> Reconciliation:
        with resolved_services(settings) as live:
            return asyncio.run(reconcile_file(live, courier, path))

    result = fail_clearly(run)
    typer.echo(
        f"{len(result.matched)} matched, {len(result.mismatched)} amount differs, "
        f"{len(result.unknown)} unknown, {len(result.missing)} delivered but not reported, "
        f"{len(result.bad_rows)} bad rows"
    )
    for shipped, line in result.mismatched:
        typer.echo(f"line {line.line}: {shipped.client_code} ours {shipped.cod_vnd} "
                   f"reported {line.cod_vnd}", err=True)  # fmt: skip
    for line in result.unknown:
        typer.echo(f"line {line.line}: unknown {line.tracking_code or line.client_code}", err=True)
    for shipped in result.missing:
        typer.echo(f"missing: {shipped.client_code} ({shipped.tracking_code})", err=True)
    if result.mismatched or result.unknown or result.bad_rows:
        raise typer.Exit(2)


@app.command()
def orphans(
    tenant: Annotated[str | None, typer.Option(help="Cooperative slug; all when omitted.")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    data_dir: DataDir = None,
) -> None:
    """Comments stored without a live (unknown page or live id), for staff to resolve."""
    settings = _settings(data_dir)

    def run() -> list[dict[str, object]]:
        with resolved_services(settings) as live:
            return asyncio.run(operations.orphaned_comments(live, tenant, limit))

    for row in fail_clearly(run):
        typer.echo(orjson.dumps(row, default=str).decode())


@app.command("facebook-pull")
def facebook_pull(data_dir: DataDir = None) -> None:
    """Follow the lives of every connected Facebook Page (stream, gaps filled by polling)."""
    settings = _settings(data_dir)

    def run() -> None:
        with resolved_services(settings) as live:
            asyncio.run(run_facebook_pull(live))

    fail_clearly(run)


def main() -> None:
    app(prog_name="chotdon")


if __name__ == "__main__":
    main()
