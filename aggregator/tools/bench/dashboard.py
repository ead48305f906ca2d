"""`chotdon bench dashboard`: the director's dashboard served while an ingest load runs.

In a throw-away database: one cooperative with three lives on air, `comments` comments stored
over the last hour (COPY) and `orders` orders with two lines each. One `chotdon serve` child and
one `chotdon worker` child. While signed Facebook webhooks bring new comments into the three lives
at `load_rate` comments/s (merged into orders by the worker), the bench takes turns, one after
another, between:
- GET /bang-dieu-khien as the director (the server's figure: counters, render, HTTP);
- GET of an unrouted path on the same server (baseline: HTTP alone);
- the recount queries the dashboard ran before migration 0033 (baseline: what a request cost
  then), and the counter queries it runs now, both straight on Postgres.
Then the load stops, everything is merged, and the counters are checked against the recount.
Lighthouse (when installed) scores the page on a phone while the load still runs.
Figures are printed, never asserted: the machine is noisy.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import statistics
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp
import asyncpg

from aggregator.core.dashboard import RATE_WINDOW
from aggregator.dashboard.recount import recount_differences
from aggregator.dashboard.snapshot import MAX_LIVES, snapshot_rows, start_of_day
from aggregator.runtime.db import Connection, create_pool
from aggregator.settings import Settings
from aggregator.staff.accounts import new_session
from aggregator.tools.bench.corpus import Live, lives
from aggregator.tools.bench.dashboard_seed import seed_comments, seed_director, seed_orders
from aggregator.tools.bench.ingest import integrity, wait_until_merged
from aggregator.tools.bench.lighthouse import lighthouse_score
from aggregator.tools.bench.setup import seed_lives
from aggregator.tools.bench.trigger_cost import trigger_cost
from aggregator.tools.bench.webhooks import SECRETS, web_process
from aggregator.tools.databases import throwaway_database
from aggregator.tools.demo.supervisor import running_processes
from aggregator.tools.senders import Delivery, Destination, WireComment, delivery
from aggregator.web.staff_auth import SESSION_COOKIE
from schema.enums import Platform
from schema.queries import query

LIVES = 3
PER_DELIVERY = 10  # comments per signed webhook POST
PAGE = "/bang-dieu-khien"
QUIET = {"CHOTDON_LOG_LEVEL": "error"}
MAX_IN_FLIGHT = 16
POST_TIMEOUT_S = 30.0
COST_ROWS = 50_000  # comments written with and without the counter triggers


@dataclass(frozen=True)
class DashboardBenchConfig:
    comments: int = 200_000
    orders: int = 4_500
    requests: int = 200
    load_rate: int = 1_000  # comments/s brought by webhooks while the dashboard is measured
    lighthouse: bool = True
    lighthouse_path: str | None = None  # the `lighthouse` command; None: found on PATH


def free_port() -> int:
    """A port no other server of this machine holds now (other benches may hold 8080)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    """(p50, p95, p99) in ms of samples in seconds."""
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return round(cuts[49] * 1000, 1), round(cuts[94] * 1000, 1), round(cuts[98] * 1000, 1)


async def _timed(call: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await call()
    return time.perf_counter() - started


async def recount_queries(conn: Connection, tenant_id: int) -> object:
    """The dashboard's queries before migration 0033 (lives with recounts, products, chart)."""
    now = datetime.now(UTC)
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        rows = await conn.fetch(
            query("dashboard_lives_recount"), tenant_id, start_of_day(now), MAX_LIVES, RATE_WINDOW
        )
        ids = sorted({r["live_id"] for r in rows})
        await conn.fetch(query("dashboard_products_recount"), tenant_id, ids)
        await conn.fetch(
            query("dashboard_orders_per_minute_recount"), tenant_id, ids, [now] * len(ids), 30
        )
    return rows


async def counter_queries(conn: Connection, tenant_id: int) -> object:
    """The same figures from the counters: what a page request runs now (one statement)."""
    return await snapshot_rows(conn, tenant_id, datetime.now(UTC))


def _delivery(shown: list[Live], n: int, prefix: str) -> Delivery:
    """The n-th signed POST of the load: PER_DELIVERY comments, round-robin over the lives,
    from 3,000 buyers who order again and again (their orders merge, as in a live)."""
    live = shown[n % len(shown)]
    to = Destination(Platform.FACEBOOK, live.page_id, video=live.live_id)
    wire = [
        WireComment(f"{prefix}{n}-{k}", f"load-{(n * PER_DELIVERY + k) % 3000}", "Khách",
                    "chốt A01 x2" if k % 2 else "lấy 1 nem chua")
        for k in range(PER_DELIVERY)
    ]  # fmt: skip
    return delivery("", to, wire, SECRETS, at_ms=int(time.time() * 1000) + n)


@dataclass
class LoadTally:
    """What the load did: comment ids the server acknowledged, POSTs that failed or were skipped
    because the server fell behind (never more than MAX_IN_FLIGHT waiting at once)."""

    acknowledged: list[str] = field(default_factory=list)
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0


async def _load(base: str, shown: list[Live], rate: int, stop: asyncio.Event) -> LoadTally:
    """Signed webhooks at `rate` comments/s until `stop`."""
    per_s = max(1, rate // PER_DELIVERY)
    tally = LoadTally()
    sent = 0
    started = time.monotonic()
    timeout = aiohttp.ClientTimeout(total=POST_TIMEOUT_S)
    connector = aiohttp.TCPConnector(limit=MAX_IN_FLIGHT)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:

        async def post(d: Delivery, ids: list[str]) -> None:
            try:
                async with http.post(f"{base}/webhooks/facebook", data=d.body,
                                     headers=d.headers) as r:  # fmt: skip
                    if r.status == 200:
                        tally.acknowledged.extend(ids)
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass
            tally.failed += 1

        pending: set[asyncio.Task[None]] = set()
        while not stop.is_set():
            if len(pending) >= MAX_IN_FLIGHT:
                tally.skipped += 1  # the server is behind: a live does not wait for it either
            else:
                ids = [f"load-{sent}-{k}" for k in range(PER_DELIVERY)]
                task = asyncio.create_task(post(_delivery(shown, sent, "load-"), ids))
                pending.add(task)
                task.add_done_callback(pending.discard)
            sent += 1
            await asyncio.sleep(max(0.0, started + sent / per_s - time.monotonic()))
        await asyncio.gather(*pending)
    tally.seconds = time.monotonic() - started
    return tally


@contextlib.asynccontextmanager
async def _loaded(
    base: str, shown: list[Live], rate: int
) -> AsyncIterator[asyncio.Task[LoadTally]]:
    stop = asyncio.Event()
    task = asyncio.create_task(_load(base, shown, rate, stop))
    try:
        yield task
    finally:
        stop.set()
        await task


async def _measure(
    base: str, pool: asyncpg.Pool, tenant_id: int, cookie: str, requests: int
) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {"page": [], "unrouted": [], "recount": [], "counters": []}
    jar = {SESSION_COOKIE: cookie}
    async with aiohttp.ClientSession(cookies=jar) as http, pool.acquire() as conn:

        async def get(path: str, status: int) -> None:
            async with http.get(f"{base}{path}", allow_redirects=False) as r:
                await r.read()
                assert r.status == status, (path, r.status)

        for _ in range(requests):
            samples["page"].append(await _timed(lambda: get(PAGE, 200)))
            samples["unrouted"].append(await _timed(lambda: get("/bench-unrouted", 404)))
            samples["recount"].append(await _timed(lambda: recount_queries(conn, tenant_id)))
            samples["counters"].append(await _timed(lambda: counter_queries(conn, tenant_id)))
    return samples


async def counters_match_recount(pool: asyncpg.Pool, tenant_id: int) -> bool:
    """Every figure read from the counters equals the recount (see recount_differences)."""
    async with pool.acquire() as conn:
        return not await recount_differences(conn, tenant_id)


async def run_dashboard_bench(
    settings: Settings, config: DashboardBenchConfig
) -> dict[str, object]:
    assert settings.database_url is not None
    shown = lives(LIVES)
    async with throwaway_database(settings.database_url, "chotdon_bench") as url:
        bench = settings.model_copy(
            update={"database_url": url, "arq_queue": f"bench:{uuid.uuid4().hex[:8]}",
                    "port": free_port()}
        )  # fmt: skip
        pool = await create_pool(bench, max_size=4)
        try:
            async with pool.acquire() as conn:
                await seed_lives(conn, shown)
                tenant_id = int(await conn.fetchval("SELECT id FROM tenants"))
                cost = await trigger_cost(conn, tenant_id, min(config.comments, COST_ROWS))
                seeded = await seed_comments(conn, tenant_id, config.comments)
                await seed_orders(conn, tenant_id, config.orders)
                await conn.execute("ANALYZE")
                row = await seed_director(conn, tenant_id)
            cookie = (await new_session(pool, row)).token
            figures = await _run(bench, pool, tenant_id, cookie, shown, config, seeded)
            return figures | cost
        finally:
            await pool.close()


async def _run(
    bench: Settings,
    pool: asyncpg.Pool,
    tenant_id: int,
    cookie: str,
    shown: list[Live],
    config: DashboardBenchConfig,
    seeded: int,
) -> dict[str, object]:
    async with web_process(bench) as base, running_processes(bench, ["worker"], QUIET):
        async with _loaded(base, shown, config.load_rate) as load:
            await asyncio.sleep(1.0)  # the load is flowing before the clock starts
            samples = await _measure(base, pool, tenant_id, cookie, config.requests)
            score = None
            if config.lighthouse:
                score = await lighthouse_score(base + PAGE, cookie, config.lighthouse_path)
        tally = await load
        await wait_until_merged(pool)
    stored = await pool.fetchval(
        "SELECT count(*) FROM comments WHERE external_id = ANY($1::text[])", tally.acknowledged
    )
    _, duplicates = await integrity(pool, seeded)
    page, unrouted = percentiles(samples["page"]), percentiles(samples["unrouted"])
    recount, counters = percentiles(samples["recount"]), percentiles(samples["counters"])
    return {
        "comments_before": config.comments, "lives_on_air": LIVES,
        "load_comments_per_s_asked": config.load_rate,
        "load_comments_per_s_acknowledged": round(len(tally.acknowledged) / tally.seconds),
        "load_posts_failed": tally.failed, "load_posts_skipped_server_behind": tally.skipped,
        "requests": config.requests,
        "page_p50_ms": page[0], "page_p95_ms": page[1], "page_p99_ms": page[2],
        "baseline_unrouted_p50_ms": unrouted[0], "baseline_unrouted_p95_ms": unrouted[1],
        "baseline_unrouted_p99_ms": unrouted[2],
        "baseline_recount_queries_p50_ms": recount[0],
        "baseline_recount_queries_p95_ms": recount[1],
        "baseline_recount_queries_p99_ms": recount[2],
        "counter_queries_p50_ms": counters[0], "counter_queries_p95_ms": counters[1],
        "counter_queries_p99_ms": counters[2],
        "page_p95_vs_recount_queries_p95": round(page[1] / recount[1], 3),
        "counter_queries_p95_vs_recount_p95": round(counters[1] / recount[1], 3),
        "page_p95_vs_unrouted_p95": round(page[1] / unrouted[1], 1),
        "target_page_p95_ms": 100,
        "lighthouse_performance": "not measured" if score is None else score,
        "counters_match_recount": int(await counters_match_recount(pool, tenant_id)),
        "lost": len(tally.acknowledged) - stored, "duplicate_orders": duplicates,
    }  # fmt: skip
