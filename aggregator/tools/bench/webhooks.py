"""`chotdon bench webhooks`: signed Facebook webhook POSTs/s acknowledged by one web process.

One `chotdon serve` child on a throw-away database; the client sends pre-built, pre-signed
deliveries (one comment each, all different) over keep-alive connections, as bytes built before the
clock starts (keepalive_client.py: it leaves the shared cores to the server). Baselines in the same
run: the same POSTs to an unrouted path (HTTP only: a machine 404 under /api/, not a person's
Vietnamese error page, so the baseline is the server's plain HTTP cost), and the same POSTs
unsigned (rejected but recorded). The unrouted and signed phases alternate for `rounds` rounds and
the best of each is kept: on a shared machine a phase can lose its CPU to others for seconds. The
web process's own CPU time per POST (from /proc, where there is one) is printed too: it moves far
less with the neighbours' load than the rates do; and where the web process's wall time went
(running, ready but waiting for a CPU, idle), which tells a signed phase waiting on its writes from
one short of cores. Figures are printed, not asserted.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

from aggregator.runtime.db import connection
from aggregator.settings import Settings
from aggregator.tools.bench.cpu import postgres_is_local
from aggregator.tools.bench.intake_stages import read_totals, stage_figures
from aggregator.tools.bench.keepalive_client import post_all, request_bytes
from aggregator.tools.databases import throwaway_database
from aggregator.tools.demo.supervisor import child_environment, stop_children, wait_until_healthy
from aggregator.tools.senders import (
    JSON,
    Delivery,
    Destination,
    Secrets,
    WireComment,
    delivery,
)
from schema.enums import Platform

BENCH_SECRET = "bench-meta-app-secret"
PAGE_ID = "bench-page"
LIVE = Destination(Platform.FACEBOOK, PAGE_ID, video="bench-live")
SECRETS = Secrets(facebook_app_secret=BENCH_SECRET)
UNSIGNED = {"Content-Type": JSON}


UNROUTED_PATH = "/api/bench-unrouted"


@dataclass(frozen=True)
class WebhookBenchConfig:
    posts: int = 20_000
    concurrency: int = 64
    rounds: int = 2


@dataclass(frozen=True)
class Phase:
    """One phase's best round: POSTs per second, the web process's CPU µs per POST, the CPU µs
    per POST of the Postgres backends serving the bench's database and of the bench's own client
    (on a 2-core box all three share the cores). `time`: where the web process's wall time went in
    the fastest round (see WallTime)."""

    rate: float = 0.0
    cpu_us: float | None = None
    postgres_us: float | None = None
    time: WallTime | None = None
    client_us: float | None = None

    def better(self, other: Phase) -> Phase:
        return Phase(
            max(self.rate, other.rate),
            _least(self.cpu_us, other.cpu_us),
            _least(self.postgres_us, other.postgres_us),
            self.time if self.rate >= other.rate else other.time,
            _least(self.client_us, other.client_us),
        )


@dataclass(frozen=True)
class WallTime:
    """Shares of a phase's wall time of the web process (Linux scheduler figures, all threads):
    running, ready but waiting for a CPU (the client, Postgres or a neighbour had them), and the
    rest, idle: nothing to do until a client or Postgres answers. A signed phase idle where the
    unrouted one is not is waiting on its writes; one waiting for a CPU is short of cores."""

    running: float
    waiting_for_cpu: float

    @property
    def idle(self) -> float:
        return max(0.0, 1.0 - self.running - self.waiting_for_cpu)


def scheduler_seconds(pid: int) -> tuple[float, float] | None:
    """(seconds run, seconds waited on a run queue) of a process's threads so far, from
    /proc/<pid>/task/*/schedstat (None where there is none)."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
        ran = waited = 0
        for task in tasks:
            with open(f"/proc/{pid}/task/{task}/schedstat") as stat:
                run_ns, wait_ns, _ = stat.read().split()
            ran, waited = ran + int(run_ns), waited + int(wait_ns)
    except (OSError, ValueError):
        return None
    return ran / 1e9, waited / 1e9


def _least(a: float | None, b: float | None) -> float | None:
    known = [x for x in (a, b) if x is not None]
    return min(known) if known else None


def deliveries(count: int, prefix: str, *, signed: bool = True) -> list[Delivery]:
    """Built and signed before the clock starts: the client's own HMACs are not the server's
    work. Each delivery has its own entry time, as Facebook's deliveries do."""
    now_ms = int(time.time()) * 1000
    built = [
        delivery(
            "", LIVE, [WireComment(f"{prefix}_{i}", f"u{i % 5000}", "Khách", "chốt A01 x2")],
            SECRETS, at_ms=now_ms + i,
        )
        for i in range(count)
    ]  # fmt: skip
    return built if signed else [replace(d, headers=UNSIGNED) for d in built]


async def _fire(url: str, bodies: list[Delivery], concurrency: int) -> tuple[float, int]:
    """(POSTs per second, how many were acknowledged): each POST once, its bytes built before
    the clock starts (keepalive_client.py: a client that leaves the cores to the server)."""
    requests = [request_bytes(url, d.body, d.headers) for d in bodies]
    return await post_all(url, iter(requests), concurrency)


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far, from /proc (None where there is none)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.asynccontextmanager
async def serve_child(
    settings: Settings, extra_env: dict[str, str] | None = None
) -> AsyncIterator[subprocess.Popen[bytes]]:
    """One `chotdon serve` child signing-ready for the bench page, once it answers."""
    env = (
        child_environment(settings)
        | {
            "CHOTDON_FACEBOOK_APP_SECRET": BENCH_SECRET,
            "CHOTDON_LOG_LEVEL": "error",
        }
        | (extra_env or {})
    )
    child = subprocess.Popen([sys.executable, "-m", "aggregator", "serve"], env=env)
    try:
        await wait_until_healthy(settings.base_url, [child])
        yield child
    finally:
        await asyncio.to_thread(stop_children, [child])


@contextlib.asynccontextmanager
async def web_process(
    settings: Settings, extra_env: dict[str, str] | None = None
) -> AsyncIterator[str]:
    """One `chotdon serve` child signing-ready for the bench page; yields its base URL."""
    async with serve_child(settings, extra_env):
        yield settings.base_url


def _cpu_of(pids: list[int]) -> float | None:
    spent = [cpu_seconds(pid) for pid in pids]
    return None if not pids or None in spent else sum(s for s in spent if s is not None)


async def _phase(
    pid: int, url: str, bodies: list[Delivery], concurrency: int, backends: list[int]
) -> tuple[Phase, int]:
    """The phase's figures, and how many POSTs were acknowledged (2xx). `backends`: the pids of
    the Postgres backends serving the bench's database (empty where Postgres is not local)."""
    before, pg_before, sched_before = cpu_seconds(pid), _cpu_of(backends), scheduler_seconds(pid)
    client_before = time.process_time()
    rate, acknowledged = await _fire(url, bodies, concurrency)
    client = time.process_time() - client_before
    after, pg_after, sched_after = cpu_seconds(pid), _cpu_of(backends), scheduler_seconds(pid)
    per_post = 1e6 / len(bodies)
    web = None if before is None or after is None else (after - before) * per_post
    pg = None if pg_before is None or pg_after is None else (pg_after - pg_before) * per_post
    time_shares = _wall_time(sched_before, sched_after, len(bodies) / rate)
    return Phase(rate, web, pg, time_shares, client * per_post), acknowledged


def _wall_time(
    before: tuple[float, float] | None, after: tuple[float, float] | None, wall_s: float
) -> WallTime | None:
    if before is None or after is None:
        return None
    return WallTime((after[0] - before[0]) / wall_s, (after[1] - before[1]) / wall_s)


async def postgres_backends(url: str) -> list[int]:
    """The web process's Postgres backends (its pool, warm by now), where /proc can see them."""
    if not postgres_is_local(url):
        return []
    async with connection(url) as conn:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    return [int(r["pid"]) for r in rows]


async def seed_live(url: str) -> None:
    async with connection(url) as conn:
        tenant_id = await conn.fetchval(
            "INSERT INTO tenants (slug, name) VALUES ('htx-bench', 'HTX Bench') RETURNING id"
        )
        channel_id = await conn.fetchval(
            "INSERT INTO channels (tenant_id, platform, external_id, name) "
            "VALUES ($1, 'facebook', $2, 'Bench page') RETURNING id",
            tenant_id,
            PAGE_ID,
        )
        await conn.execute(
            "INSERT INTO live_sessions (tenant_id, channel_id, external_live_id, started_at) "
            "VALUES ($1, $2, 'bench-live', now())",
            tenant_id,
            channel_id,
        )


async def run_webhook_bench(settings: Settings, config: WebhookBenchConfig) -> dict[str, float]:
    assert settings.database_url is not None
    async with throwaway_database(settings.database_url, "chotdon_bench") as url:
        await seed_live(url)
        bench = settings.model_copy(
            update={"database_url": url, "arq_queue": f"bench:{uuid.uuid4().hex[:8]}"}
        )
        async with serve_child(bench) as child:
            base, posts, lanes = bench.base_url, config.posts, config.concurrency
            hook = f"{base}/webhooks/facebook"
            await _fire(hook, deliveries(500, "warm"), 16)
            unsigned, _ = await _fire(hook, deliveries(posts, "u", signed=False), lanes)
            backends = await postgres_backends(url)
            noop, signed, ok = Phase(), Phase(), 0
            stages_before = await read_totals(base)
            for round_ in range(config.rounds):
                unrouted = deliveries(posts, f"n{round_}", signed=False)
                figures, _ = await _phase(child.pid, base + UNROUTED_PATH, unrouted, lanes, [])
                noop = noop.better(figures)
                figures, acknowledged = await _phase(
                    child.pid, hook, deliveries(posts, f"s{round_}"), lanes, backends
                )
                signed, ok = signed.better(figures), ok + acknowledged
            stages = stage_figures(stages_before, await read_totals(base))
            await asyncio.sleep(0.5)
        async with connection(url) as conn:
            stored = await conn.fetchval(
                "SELECT count(*) FROM webhook_deliveries WHERE verified AND status = 'processed'"
            )
            comments = await conn.fetchval(
                "SELECT count(*) FROM comments WHERE external_id LIKE 's%'"
            )
    return (
        _figures(config, noop, signed, unsigned)
        | stages
        | {
            "acknowledged": ok,
            "deliveries_stored": stored - 500,
            "comments_stored": comments,
        }
    )


def _figures(
    config: WebhookBenchConfig, noop: Phase, signed: Phase, unsigned: float
) -> dict[str, float]:
    figures: dict[str, float] = {
        "signed_webhook_posts_per_s": round(signed.rate),
        "baseline_unrouted_posts_per_s": round(noop.rate),
        "ratio_to_unrouted": round(signed.rate / noop.rate, 2),
        "target_ratio": 0.8,
        "baseline_unsigned_rejected_posts_per_s": round(unsigned),
        "posts": config.posts * config.rounds,
        "concurrency": config.concurrency,
        "rounds": config.rounds,
    }
    if signed.cpu_us is not None and noop.cpu_us is not None:
        figures |= {
            "server_cpu_us_per_signed_post": round(signed.cpu_us),
            "server_cpu_us_per_unrouted_post": round(noop.cpu_us),
            "cpu_ratio_unrouted_to_signed": round(noop.cpu_us / signed.cpu_us, 2),
        }
    if signed.postgres_us is not None:  # the unrouted POST costs Postgres nothing
        figures["postgres_cpu_us_per_signed_post"] = round(signed.postgres_us)
    for name, phase in (("signed", signed), ("unrouted", noop)):
        if phase.client_us is not None:
            figures[f"client_cpu_us_per_{name}_post"] = round(phase.client_us)
    for name, phase in (("signed", signed), ("unrouted", noop)):
        if phase.time is not None:
            figures |= {
                f"web_running_pct_{name}": round(100 * phase.time.running),
                f"web_waiting_for_cpu_pct_{name}": round(100 * phase.time.waiting_for_cpu),
                f"web_idle_pct_{name}": round(100 * phase.time.idle),
            }
    return figures
