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
from aggregator.cli.blocklist import blocklist_app
from aggregator.cli.channels import channel_app
from aggregator.cli.chaos import chaos
from aggregator.cli.deliveries import deliveries_app
from aggregator.cli.money import money_app
from aggregator.cli.privacy import buyer_app, rotate_keys
from aggregator.cli.privacy_rights import privacy_app
from aggregator.cli.questions import questions_app
from aggregator.cli.services import resolved_services
from aggregator.cli.shell import command_settings, fail_clearly
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
from aggregator.tools.bench.dashboard import DashboardBenchConfig, run_dashboard_bench
from aggregator.tools.bench.hostile import HostileBenchConfig, run_hostile_bench
from aggregator.tools.bench.ingest import IngestBenchConfig, run_ingest_bench
from aggregator.tools.bench.partitions import PartitionBenchConfig, run_partition_bench
from aggregator.tools.bench.queues import LAYOUTS as QUEUE_LAYOUTS
from aggregator.tools.bench.report import render_figures
from aggregator.tools.bench.webhooks import WebhookBenchConfig, run_webhook_bench
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
DataDir = Annotated[
    Path | None, typer.Option(help="Folder of the embedded Postgres/Redis (CHOTDON_DATA_DIR).")
]
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


bench_app = typer.Typer(help="Benchmarks that print figures and ratios against a baseline.")
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


@bench_app.command("parse")
def bench_parse(
    comments: Annotated[int, typer.Option(help="Size of the generated corpus.")] = 200_000,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Comments parsed per second on one core, against a trivial baseline of the same texts."""
    figures = parse_cli.run_bench(comments, sys.stderr if as_json else sys.stdout)
    if as_json:
        typer.echo(orjson.dumps(figures).decode())


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


@bench_app.command("ingest")
def bench_ingest(
    comments: Annotated[int, typer.Option(help="Comments in the burst phase.")] = 100_000,
    lives: Annotated[int, typer.Option(help="Concurrent lives they are spread over.")] = 100,
    workers: Annotated[int, typer.Option(help="arq worker processes.")] = 1,
    paced_rate: Annotated[int, typer.Option(help="Comments/s of the latency phase.")] = 2_000,
    paced_seconds: Annotated[float, typer.Option(help="Length of the latency phase.")] = 8.0,
    naive_comments: Annotated[int, typer.Option(help="Comments in the naive baseline.")] = 2_000,
    queue_layouts: Annotated[
        str,
        typer.Option(
            help="Worker layouts of the queue phases, comma-separated (shared = one queue, the "
            "baseline; split; split_procs); empty to skip them."
        ),
    ] = ",".join(QUEUE_LAYOUTS),
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Comments/s from arrival to order, p50/p99 latency, against naive and COPY baselines."""
    layouts = tuple(name for name in queue_layouts.split(",") if name)
    if any(name not in QUEUE_LAYOUTS for name in layouts):
        raise typer.BadParameter(", ".join(QUEUE_LAYOUTS), param_hint="--queue-layouts")
    settings = _settings(data_dir)
    config = IngestBenchConfig(
        comments=comments,
        lives=lives,
        workers=workers,
        paced_rate=paced_rate,
        paced_seconds=paced_seconds,
        naive_comments=naive_comments,
        queue_layouts=layouts,
    )

    def run() -> dict[str, float | str]:
        with resolved_services(settings) as live:
            return asyncio.run(run_ingest_bench(live, config))

    figures = fail_clearly(run)
    typer.echo(
        orjson.dumps(figures).decode()
        if as_json
        else render_figures(figures, "chotdon bench ingest")
    )


@app.command("facebook-pull")
def facebook_pull(data_dir: DataDir = None) -> None:
    """Follow the lives of every connected Facebook Page (stream, gaps filled by polling)."""
    settings = _settings(data_dir)

    def run() -> None:
        with resolved_services(settings) as live:
            asyncio.run(run_facebook_pull(live))

    fail_clearly(run)


@bench_app.command("webhooks")
def bench_webhooks(
    posts: Annotated[int, typer.Option(help="Webhook POSTs per phase.")] = 20_000,
    concurrency: Annotated[int, typer.Option(help="POSTs in flight at once.")] = 64,
    rounds: Annotated[
        int, typer.Option(help="Unrouted and signed phases, alternated; the best is kept.")
    ] = 2,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Signed Facebook webhook POSTs/s acknowledged by one web process, against a baseline."""
    settings = _settings(data_dir)
    config = WebhookBenchConfig(posts=posts, concurrency=concurrency, rounds=rounds)

    def run() -> dict[str, float]:
        with resolved_services(settings) as live:
            return asyncio.run(run_webhook_bench(live, config))

    figures = fail_clearly(run)
    typer.echo(
        orjson.dumps(figures).decode()
        if as_json
        else render_figures(figures, "chotdon bench webhooks")
    )


@bench_app.command("partitions")
def bench_partitions(
    comments: Annotated[int, typer.Option(help="Comment rows stored per phase.")] = 100_000,
    batch: Annotated[int, typer.Option(help="Rows per INSERT statement.")] = 500,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Month partitions: rows/s stored and redelivered, and a month retired by DROP, against the
    unpartitioned table with a unique key and a DELETE (same run)."""
    settings = _settings(data_dir)
    config = PartitionBenchConfig(comments=comments, batch=batch)

    def run() -> dict[str, float]:
        with resolved_services(settings) as live:
            return asyncio.run(run_partition_bench(live, config))

    figures = fail_clearly(run)
    typer.echo(
        orjson.dumps(figures).decode()
        if as_json
        else render_figures(figures, "chotdon bench partitions")
    )


@bench_app.command("hostile")
def bench_hostile(
    seconds: Annotated[float, typer.Option(help="Length of each phase.")] = 8.0,
    login_rate: Annotated[int, typer.Option(help="Login POSTs/s (a new name each).")] = 50,
    big_rate: Annotated[int, typer.Option(help="Refused 1 MB deliveries/s.")] = 10,
    unauth_rate: Annotated[int, typer.Option(help="Unauthenticated POSTs/s.")] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    data_dir: DataDir = None,
) -> None:
    """/healthz and signed-webhook latency under unauthenticated floods, against no flood."""
    settings = _settings(data_dir)
    config = HostileBenchConfig(seconds, login_rate, big_rate, unauth_rate)

    def run() -> dict[str, float]:
        with resolved_services(settings) as live:
            return asyncio.run(run_hostile_bench(live, config))

    figures = fail_clearly(run)
    typer.echo(
        orjson.dumps(figures).decode()
        if as_json
        else render_figures(figures, "chotdon bench hostile")
    )


@bench_app.command("dashboard")
def bench_dashboard(
    comments: Annotated[int, typer.Option(help="Comments stored before (three lives).")] = 200_000,
    orders: Annotated[int, typer.Option(help="Orders stored before.")] = 4_500,
    requests: Annotated[int, typer.Option(help="Dashboard GETs measured.")] = 200,
    load_rate: Annotated[int, typer.Option(help="Comments/s brought in meanwhile.")] = 1_000,
    lighthouse: Annotated[
        bool, typer.Option(help="Score the page with Lighthouse when it is installed.")
    ] = True,
    lighthouse_path: Annotated[
        str | None, typer.Option(help="The lighthouse command (default: found on PATH).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Director's dashboard p50/p95/p99 under an ingest load, against the old recount."""
    settings = _settings(data_dir)
    config = DashboardBenchConfig(comments, orders, requests, load_rate, lighthouse,
                                  lighthouse_path)  # fmt: skip

    def run() -> dict[str, object]:
        with resolved_services(settings) as live:
            return asyncio.run(run_dashboard_bench(live, config))

    figures = fail_clearly(run)
    typer.echo(
        orjson.dumps(figures).decode()
        if as_json
        else render_figures(figures, "chotdon bench dashboard")  # type: ignore[arg-type]
    )


def main() -> None:
    app(prog_name="chotdon")


if __name__ == "__main__":
    main()
