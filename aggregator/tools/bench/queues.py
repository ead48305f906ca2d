"""The ingest bench's queue phases (issue 21, goal 2): comment -> order visible at a steady rate
while buyer messages are being sent, and message recorded -> sent, per worker layout.

Each layout runs the same load in the same run, on its own arq queues and its own worker
processes: `shared` is chotdon before the split (one queue, merges and sends in the same slots),
the baseline; `split` is the default `chotdon worker` (both queues in one process, each its own
slots); `split_procs` gives each queue its own process (`chotdon worker --queue orders` and
`--queue outbound`), as a deployment with a spare core or host would.

For the messages to be real sends, the bench connects the lives' Pages with sealed tokens and
serves the Graph API simulator in this process; its sends are not rate limited here (the bench
measures chotdon's queue, not Facebook's per-Page cap), and buyer messages are composed
MESSAGE_DELAY_S after an order changes instead of 20 s, so they flow during the phase. Every
phase's buyers are new (their psids carry the layout), so each order's first message is a
private reply that is really sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
from aiohttp import web
from arq.connections import ArqRedis
from pydantic import SecretStr

from aggregator.credentials.keyring import credential_cipher
from aggregator.ingest.pipeline import Ingestor
from aggregator.platforms.facebook.tokens import connect_page
from aggregator.runtime import jobs
from aggregator.runtime.queue import RoutedArqRedis, create_arq_pool
from aggregator.settings import Settings
from aggregator.tools.bench.corpus import CommentStream, Live
from aggregator.tools.bench.setup import wait_for_heartbeat
from aggregator.tools.demo.supervisor import running_processes
from connectors.simulators.facebook import create_simulator
from connectors.simulators.facebook_live import FacebookState
from schema.enums import Platform

LAYOUTS = ("shared", "split", "split_procs")
MESSAGE_DELAY_S = 1.0
SEND_PER_S = 10_000
SETTLE_TIMEOUT_S = 120.0
STREAM_SEED = 11
MESSAGE_JOB_PREFIXES = (b"order-message:", b"facebook-send:")
MESSAGE_KINDS = ("facebook.private_reply", "facebook.message")


@dataclass(frozen=True)
class QueuePhaseConfig:
    rate: int = 2_000
    seconds: float = 8.0
    workers: int = 1  # worker processes per queue


@dataclass(frozen=True)
class Percentiles:
    p50: float
    p95: float
    p99: float
    count: int


PERCENTILES = (
    "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, "
    "percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95, "
    "percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99, count(*) AS n FROM ({}) t"
)
COMMENT_MS = (
    "SELECT extract(epoch FROM processed_at - commented_at) * 1000 AS ms FROM comments "
    "WHERE external_id LIKE $1 AND status = 'processed'"
)
MESSAGE_MS = (
    "SELECT extract(epoch FROM sent_at - created_at) * 1000 AS ms FROM outbound_messages "
    "WHERE created_at >= $1 AND kind = ANY($2::text[]) AND status = 'sent'"
)

# A layout's messages still unsent when it ends are closed: otherwise the next layout's sweeper
# finds them pending and its workers send them, a backlog the later layout did not make.
RETIRE_UNSETTLED = (
    "UPDATE outbound_messages SET status = 'failed', "
    "last_error = 'bench: its layout ended before it was sent' "
    "WHERE created_at >= $1 AND status = 'pending'"
)

DUPLICATE_ORDERS = (  # the ingest bench's own check: one open order per buyer and live
    "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM orders "
    "WHERE status NOT IN ('cancelled', 'expired') GROUP BY session_id, buyer_identity_id) t"
)


async def _percentiles(pool: asyncpg.Pool, inner: str, *args: object) -> Percentiles:
    row = await pool.fetchrow(PERCENTILES.format(inner), *args)
    assert row is not None  # an aggregate: always one row
    p50, p95, p99 = (round(float(row[k] or 0.0), 1) for k in ("p50", "p95", "p99"))
    return Percentiles(p50, p95, p99, count=int(row["n"]))


async def connect_pages(
    pool: asyncpg.Pool, settings: Settings, lives: list[Live]
) -> dict[str, str]:
    """Seal a token into each live's Page (as connecting it does); the simulator's tokens."""
    cipher = credential_cipher(settings, Platform.FACEBOOK)
    tenant_id = await pool.fetchval("SELECT id FROM tenants WHERE slug = 'htx-bench'")
    tokens = {live.page_id: f"bench-token-{live.page_id}" for live in lives}
    for page_id, token in tokens.items():
        await connect_page(pool, cipher, tenant_id, page_id, page_id, token)
    return tokens


@contextlib.asynccontextmanager
async def graph_simulator(tokens: dict[str, str]) -> AsyncIterator[tuple[str, FacebookState]]:
    """The Graph API simulator on a free local port; yields its base URL and its record."""
    state = FacebookState()
    state.tokens.update(tokens)
    runner = web.AppRunner(create_simulator(state), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/v21.0", state
    finally:
        await runner.cleanup()


async def steady_load(
    pool: asyncpg.Pool, arq: ArqRedis, stream: CommentStream, layout: str, config: QueuePhaseConfig
) -> int:
    """`config.rate` comments/s for `config.seconds`, from buyers new to this layout."""
    tick, sent = 0.01, 0
    per_tick = max(1, int(config.rate * tick))
    started = time.monotonic()
    async with Ingestor(pool, arq) as ingestor:
        while time.monotonic() - started < config.seconds:
            now = datetime.now(UTC)
            batch = [
                e.model_copy(update={"commented_at": now,
                                     "author_external_id": f"{layout}-{e.author_external_id}"})
                for e in stream.take(per_tick, prefix=f"{layout}-")
            ]  # fmt: skip
            await ingestor.submit_many(batch)
            sent += len(batch)
            await asyncio.sleep(max(0.0, started + sent / config.rate - time.monotonic()))
    return sent


async def retire_unsettled(pool: asyncpg.Pool, since: datetime) -> None:
    await pool.execute(RETIRE_UNSETTLED, since)


async def _message_jobs(arq: RoutedArqRedis) -> int:
    """Jobs that will compose or send a buyer message, still on either queue."""
    members = [m for q in arq.queues.both for m in await arq.zrange(q, 0, -1)]
    return sum(m.startswith(MESSAGE_JOB_PREFIXES) for m in members)


async def _settle(pool: asyncpg.Pool, arq: RoutedArqRedis, since: datetime) -> int:
    """Wait until the layout's comments are merged, its messages composed (their jobs wait
    MESSAGE_DELAY_S) and sent; returns the messages still pending at the timeout (0: settled)."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    pending = 1
    while time.monotonic() < deadline:
        comments = await pool.fetchval("SELECT count(*) FROM comments WHERE status = 'pending'")
        pending = await pool.fetchval(
            "SELECT count(*) FROM outbound_messages WHERE created_at >= $1 AND status = 'pending' "
            "AND kind = ANY($2::text[])", since, list(MESSAGE_KINDS),
        )  # fmt: skip
        if comments == 0 and pending == 0 and await _message_jobs(arq) == 0:
            return 0
        await asyncio.sleep(0.1)
    return int(pending)


async def _wait_for_outbound(pool: asyncpg.Pool, arq: RoutedArqRedis) -> None:
    """A heartbeat put on the outbound queue by hand (every worker knows every job): its worker
    has started too, so no layout's first messages wait for a process still starting."""
    job_id = f"heartbeat:{uuid.uuid4().hex}"
    await arq.enqueue_job(jobs.RECORD_HEARTBEAT, "bench", _job_id=job_id,
                          _queue_name=arq.queues.outbound)  # fmt: skip
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while not await pool.fetchval("SELECT 1 FROM worker_heartbeats WHERE job_id = $1", job_id):
        if time.monotonic() > deadline:
            raise TimeoutError("no outbound worker ran the heartbeat job")
        await asyncio.sleep(0.05)


async def drop_queues(arq: RoutedArqRedis) -> None:
    """The layout's queues and their jobs' keys go when it ends: Redis is shared with later runs
    (and other benches), and a job id left behind refuses the same id for a day."""
    for queue in arq.queues.both:
        members = await arq.zrange(queue, 0, -1)
        for member in members:
            await arq.delete(b"arq:job:" + member, b"arq:in-progress:" + member)
        await arq.delete(queue, queue + ":health-check")


async def _offset_message_ids(pool: asyncpg.Pool) -> None:
    """Start this run's message ids far from 1. The throw-away database numbers messages from 1
    in every run, while send jobs are keyed by message id in a Redis that keeps an earlier run's
    leftover job for a day (seen: a bench run's sends refused by the ids of the one before)."""
    start = secrets.randbelow(10**12) + 10**12
    await pool.execute(
        "SELECT setval(pg_get_serial_sequence('outbound_messages', 'id'), $1)", start
    )


def _layout_settings(bench: Settings, layout: str) -> Settings:
    queue = f"{bench.arq_queue}:{layout}"  # a fresh queue pair: no job of an earlier phase
    return bench.model_copy(
        update={"arq_queue": queue, "arq_outbound_queue": queue if layout == "shared" else None}
    )


def worker_env(graph_url: str, queue: str | None = None) -> dict[str, str]:
    """A bench worker's environment: sends to the simulator, unlimited, composed soon."""
    env = {
        "CHOTDON_FACEBOOK_GRAPH_URL": graph_url,
        "CHOTDON_FACEBOOK_SEND_PER_S": str(SEND_PER_S),
        "CHOTDON_BUYER_MESSAGE_DELAY_S": str(MESSAGE_DELAY_S),
    }
    return env | ({"CHOTDON_WORKER_QUEUE": queue} if queue else {})


@contextlib.asynccontextmanager
async def _workers(run: Settings, layout: str, graph_url: str, count: int) -> AsyncIterator[None]:
    if layout != "split_procs":
        async with running_processes(run, ["worker"] * count, worker_env(graph_url)):
            yield
        return
    async with (
        running_processes(run, ["worker"] * count, worker_env(graph_url, "orders")),
        running_processes(run, ["worker"] * count, worker_env(graph_url, "outbound")),
    ):
        yield


async def run_layout(
    pool: asyncpg.Pool, bench: Settings, lives: list[Live], layout: str, config: QueuePhaseConfig,
    graph_url: str,
) -> dict[str, float]:  # fmt: skip
    run = _layout_settings(bench, layout)
    arq = await create_arq_pool(run)
    stream = CommentStream(lives, seed=STREAM_SEED)  # the same comments for every layout
    try:
        async with _workers(run, layout, graph_url, config.workers):
            await wait_for_heartbeat(pool, arq)
            await _wait_for_outbound(pool, arq)
            since = datetime.now(UTC)
            sent = await steady_load(pool, arq, stream, layout, config)
            unsettled = await _settle(pool, arq, since)
    finally:
        await drop_queues(arq)
        await arq.aclose()
    comments = await _percentiles(pool, COMMENT_MS, f"{layout}-%")
    messages = await _percentiles(pool, MESSAGE_MS, since, list(MESSAGE_KINDS))
    await retire_unsettled(pool, since)
    return {
        f"{layout}_order_p50_ms": comments.p50, f"{layout}_order_p95_ms": comments.p95,
        f"{layout}_order_p99_ms": comments.p99, f"{layout}_message_p50_ms": messages.p50,
        f"{layout}_message_p95_ms": messages.p95, f"{layout}_message_p99_ms": messages.p99,
        f"{layout}_messages_sent": messages.count, f"{layout}_messages_unsettled": unsettled,
        f"{layout}_lost": sent - comments.count,
    }  # fmt: skip


@contextlib.asynccontextmanager
async def sending_to_simulator(
    pool: asyncpg.Pool, bench: Settings, lives: list[Live]
) -> AsyncIterator[tuple[Settings, str]]:
    """What a bench phase needs for its buyer messages to be really sent: an app secret (which
    seals the Pages' tokens and signs buyers' links), the lives' Pages connected with sealed
    tokens, and the Graph API simulator. Yields the settings with the secret, and the simulator's
    base URL for the workers (worker_env)."""
    secret = bench.app_secret or SecretStr(secrets.token_urlsafe(32))
    bench = bench.model_copy(update={"app_secret": secret})
    tokens = await connect_pages(pool, bench, lives)
    await _offset_message_ids(pool)
    async with graph_simulator(tokens) as (graph_url, _state):
        yield bench, graph_url


async def queue_phases(
    pool: asyncpg.Pool, bench: Settings, lives: list[Live], config: QueuePhaseConfig,
    graph_url: str, layouts: tuple[str, ...] = LAYOUTS,
) -> dict[str, float]:  # fmt: skip
    """Every layout in turn, the baseline first (a later phase runs on a bigger database, so any
    drift counts against the layouts after it); figures and p99 ratios to the baseline. `bench`
    and `graph_url` come from sending_to_simulator."""
    figures: dict[str, float] = {
        "queues_rate": config.rate, "queues_seconds": config.seconds,
        "queues_message_delay_s": MESSAGE_DELAY_S,
    }  # fmt: skip
    for layout in layouts:
        figures |= await run_layout(pool, bench, lives, layout, config, graph_url)
    figures["queues_duplicate_orders"] = int(await pool.fetchval(DUPLICATE_ORDERS))
    base = figures.get("shared_order_p99_ms")
    for layout in layouts[1:]:
        if base and figures[f"{layout}_order_p99_ms"]:
            figures[f"{layout}_order_p99_vs_shared"] = round(
                figures[f"{layout}_order_p99_ms"] / base, 2
            )
    return figures
