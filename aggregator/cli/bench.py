"""`chotdon bench …`: benchmarks that print figures and ratios against a baseline of the same run
(README "Capacity and growth"). Each runs on the services the command resolves (embedded or the
URLs given) in a throw-away database of its own."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any

import orjson
import typer

from aggregator.cli import parse as parse_cli
from aggregator.cli.services import resolved_services
from aggregator.cli.shell import DataDir, command_settings, fail_clearly
from aggregator.settings import Settings
from aggregator.tools.bench.dashboard import DashboardBenchConfig, run_dashboard_bench
from aggregator.tools.bench.hostile import HostileBenchConfig, run_hostile_bench
from aggregator.tools.bench.ingest import IngestBenchConfig, run_ingest_bench
from aggregator.tools.bench.partitions import PartitionBenchConfig, run_partition_bench
from aggregator.tools.bench.queues import LAYOUTS as QUEUE_LAYOUTS
from aggregator.tools.bench.report import render_figures
from aggregator.tools.bench.webhooks import WebhookBenchConfig, run_webhook_bench

bench_app = typer.Typer(help="Benchmarks that print figures and ratios against a baseline.")


def _settings(data_dir: DataDir) -> Settings:
    overrides: dict[str, Any] = {} if data_dir is None else {"data_dir": data_dir}
    return command_settings(**overrides)


def _run_and_print(
    settings: Settings,
    bench: Callable[[Settings], Awaitable[Mapping[str, Any]]],
    title: str,
    as_json: bool,
) -> None:
    """Run one bench on the resolved services; print its figures as JSON or as a table."""

    def run() -> Mapping[str, Any]:
        with resolved_services(settings) as live:
            return asyncio.run(_awaited(bench(live)))

    figures = fail_clearly(run)
    typer.echo(orjson.dumps(figures).decode() if as_json else render_figures(figures, title))


async def _awaited(figures: Awaitable[Mapping[str, Any]]) -> Mapping[str, Any]:
    return await figures


@bench_app.command("parse")
def bench_parse(
    comments: Annotated[int, typer.Option(help="Size of the generated corpus.")] = 200_000,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Comments parsed per second on one core, against a trivial baseline of the same texts."""
    figures = parse_cli.run_bench(comments, sys.stderr if as_json else sys.stdout)
    if as_json:
        typer.echo(orjson.dumps(figures).decode())


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

    _run_and_print(
        settings, lambda live: run_ingest_bench(live, config), "chotdon bench ingest", as_json
    )


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

    _run_and_print(
        settings, lambda live: run_webhook_bench(live, config), "chotdon bench webhooks", as_json
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

    _run_and_print(
        settings,
        lambda live: run_partition_bench(live, config),
        "chotdon bench partitions",
        as_json,
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

    _run_and_print(
        settings, lambda live: run_hostile_bench(live, config), "chotdon bench hostile", as_json
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

    _run_and_print(
        settings, lambda live: run_dashboard_bench(live, config), "chotdon bench dashboard", as_json
    )
