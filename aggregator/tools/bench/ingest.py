"""`chotdon bench ingest`: comments per second from arrival to order, against two baselines.

Phases, all in one run on the same Postgres and Redis, in a throw-away database:
- copy: raw COPY of comment rows into the comments table (the physical ceiling);
- naive: one INSERT and one arq job per comment (what chotdon must beat by 10x);
- burst: many lives at once, as fast as the pipeline takes them, until every comment is merged;
- paced: a steady rate (by default 2,000/s as 20 lives at Facebook's 100 comments/s cap), to
  measure latency from arrival to the order row reflecting it, and where that time goes.

Buyer messages are really sent in every phase, as in the queue phases (bench/queues.py): the
lives' Pages are connected with sealed tokens under an app secret, the workers send to the Graph
API simulator served here, and messages are composed MESSAGE_DELAY_S after an order changes. The
burst leaves thousands of messages to send (one worker's outbound slots send ~100 a second on
this box), so the paced phase's merges run while those and its own are being sent; it prints
how many were sent meanwhile, and how many still waited when its comments were merged.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
from arq.connections import ArqRedis
from arq.constants import job_key_prefix

from aggregator.ingest.catalogs import CatalogCache
from aggregator.ingest.merge_jobs import RoundTiming, merge_shard, recorded_rounds
from aggregator.ingest.pipeline import Ingestor
from aggregator.ingest.store import store_batch
from aggregator.runtime import jobs
from aggregator.runtime.db import create_pool
from aggregator.runtime.queue import RoutedArqRedis, create_arq_pool
from aggregator.settings import Settings
from aggregator.tools.bench import cpu
from aggregator.tools.bench.corpus import CommentStream, lives
from aggregator.tools.bench.queues import (
    LAYOUTS as QUEUE_LAYOUTS,
    MESSAGE_KINDS,
    QueuePhaseConfig,
    drop_queues,
    queue_phases,
    sending_to_simulator,
    worker_env,
)
from aggregator.tools.bench.setup import seed_lives, wait_for_heartbeat
from aggregator.tools.databases import throwaway_database
from aggregator.tools.demo.supervisor import running_processes
from schema.events import CommentEvent

SETTLE_TIMEOUT_S = 120.0
REDELIVERY_SHARE = 0.03


@dataclass(frozen=True)
class IngestBenchConfig:
    comments: int = 100_000
    lives: int = 100
    workers: int = 1
    naive_comments: int = 2_000
    paced_rate: int = 2_000
    paced_lives: int = 20
    paced_seconds: float = 8.0
    queue_layouts: tuple[str, ...] = QUEUE_LAYOUTS  # issue 21 part 2: see bench/queues.py


async def any_pending(pool: asyncpg.Pool) -> bool:
    """Whether a comment still waits. EXISTS, not a count: this polls every 10 ms while the last
    comments merge, and counting every pending one cost Postgres 5 ms a poll (about a tenth of
    the paced phase's Postgres CPU, in the phase's figures and taken from its last merges)."""
    return bool(
        await pool.fetchval("SELECT EXISTS (SELECT 1 FROM comments WHERE status = 'pending')")
    )


async def wait_until_merged(pool: asyncpg.Pool) -> None:
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while await any_pending(pool):
        if time.monotonic() > deadline:
            raise TimeoutError("comments still pending after the settle timeout")
        await asyncio.sleep(0.01)


async def copy_phase(pool: asyncpg.Pool, events: list[CommentEvent]) -> float:
    """Raw COPY of the same rows, no parsing, no merging: the physical limit."""
    now = datetime.now(UTC)
    records = [
        ("facebook", e.channel_external_id, f"copy-{e.external_id}", e.author_external_id,
         e.text, now, "other", "orphaned")
        for e in events
    ]  # fmt: skip
    columns = ["platform", "channel_external_id", "external_id", "author_external_id", "body",
               "commented_at", "intent", "status"]  # fmt: skip
    started = time.perf_counter()
    async with pool.acquire() as conn:
        await conn.copy_records_to_table("comments", records=records, columns=columns)
    return len(records) / (time.perf_counter() - started)


async def naive_phase(pool: asyncpg.Pool, arq: ArqRedis, events: list[CommentEvent]) -> float:
    """One INSERT round trip and one arq job per comment, until all are merged."""
    catalogs = CatalogCache()
    job_ids: list[str] = []
    started = time.perf_counter()
    for event in events:
        result = await store_batch(pool, catalogs, [event])
        for session_id in result.session_ids:
            job_ids.append(uuid.uuid4().hex)
            await arq.enqueue_job(jobs.MERGE_SESSION, session_id, _job_id=job_ids[-1])
    await wait_until_merged(pool)
    rate = len(events) / (time.perf_counter() - started)
    # Most of its jobs find their comment merged by an earlier one, but each still takes its
    # live's lock: left queued, they would run during the next phases and be measured there.
    await wait_until_run(arq, job_ids)
    return rate


async def wait_until_run(arq: ArqRedis, job_ids: list[str]) -> None:
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    keys = [job_key_prefix + job_id for job_id in job_ids]
    while any([await arq.exists(*keys[i : i + 500]) for i in range(0, len(keys), 500)]):
        if time.monotonic() > deadline:
            raise TimeoutError("the naive phase's jobs still queued after the settle timeout")
        await asyncio.sleep(0.05)


async def burst_phase(
    pool: asyncpg.Pool, arq: ArqRedis, events: list[CommentEvent]
) -> tuple[float, float, int]:
    """Everything at once through the real pipeline; returns comments/s, orders/s, duplicates."""
    redelivered = events[: int(len(events) * REDELIVERY_SHARE)]
    orders_before = await pool.fetchval("SELECT count(*) FROM orders")
    started = time.perf_counter()
    async with Ingestor(pool, arq) as ingestor:
        for event in [*events, *redelivered]:
            await ingestor.submit(event)
    await wait_until_merged(pool)
    elapsed = time.perf_counter() - started
    orders = await pool.fetchval("SELECT count(*) FROM orders") - orders_before
    return len(events) / elapsed, orders / elapsed, ingestor.stats.duplicates


@dataclass(frozen=True)
class PacedFigures:
    sent: int
    p50_ms: float
    p99_ms: float
    breakdown: dict[str, float]  # where the time went (paced_breakdown)
    messages_sent: int  # buyer messages sent while the phase's comments arrived
    messages_waiting: int  # and still waiting to be sent once they were merged


async def paced_phase(
    pool: asyncpg.Pool, arq: RoutedArqRedis, stream: CommentStream, rate: int, seconds: float,
    rounds_key: str,
) -> PacedFigures:  # fmt: skip
    """A steady `rate` comments/s; latency = merge commit time minus arrival time."""
    tick, sent = 0.01, 0
    per_tick = max(1, int(rate * tick))
    await arq.delete(rounds_key)  # the burst's rounds are not this phase's
    since = datetime.now(UTC)
    started = time.monotonic()
    async with Ingestor(pool, arq) as ingestor:
        while time.monotonic() - started < seconds:
            batch = [
                e.model_copy(update={"commented_at": datetime.now(UTC)})
                for e in stream.take(per_tick, prefix="paced-")
            ]
            await ingestor.submit_many(batch)
            sent += len(batch)
            await asyncio.sleep(max(0.0, started + sent / rate - time.monotonic()))
    ended = datetime.now(UTC)
    await wait_until_merged(pool)
    messages_sent = await pool.fetchval(SENT_BETWEEN, since, ended, list(MESSAGE_KINDS))
    messages_waiting = await pool.fetchval(WAITING, list(MESSAGE_KINDS))
    row = await pool.fetchrow(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, "
        "percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99 FROM ("
        " SELECT extract(epoch FROM processed_at - commented_at) * 1000 AS ms FROM comments"
        " WHERE external_id LIKE 'paced-%' AND status = 'processed') t"
    )
    assert row is not None
    breakdown = await paced_breakdown(pool, await recorded_rounds(arq, rounds_key))
    return PacedFigures(
        sent, float(row["p50"]), float(row["p99"]), breakdown, messages_sent, messages_waiting
    )


SENT_BETWEEN = (
    "SELECT count(*) FROM outbound_messages WHERE sent_at BETWEEN $1 AND $2 "
    "AND kind = ANY($3::text[]) AND status = 'sent'"
)
DBID = "SELECT oid FROM pg_database WHERE datname = current_database()"
WAITING = (
    "SELECT count(*) FROM outbound_messages WHERE status = 'pending' AND kind = ANY($1::text[])"
)
PACED_TIMES = (
    "SELECT session_id, extract(epoch FROM commented_at) AS commented, "
    "extract(epoch FROM received_at) AS stored, extract(epoch FROM processed_at) AS processed "
    "FROM comments WHERE external_id LIKE 'paced-%' AND status = 'processed'"
)


async def paced_breakdown(pool: asyncpg.Pool, rounds: Sequence[RoundTiming]) -> dict[str, float]:
    """Where a paced comment's time went, p50 and p99 of each part: `store` arrival -> its batch's
    transaction began (the writer's queue and flush); `wait` -> the merge round that took it began
    (the commit, the job's bucket and the worker's poll, or the shard's previous round); `merge`
    -> its processed mark (the round's lives before it, then its own). The rounds are the
    workers' (bench_merge_rounds_key); their clocks and Postgres's are this machine's."""
    by_shard: dict[int, list[RoundTiming]] = {}
    for timing in sorted(rounds, key=lambda r: r.started):
        by_shard.setdefault(timing.shard, []).append(timing)
    starts = {shard: [r.started for r in rs] for shard, rs in by_shard.items()}
    parts: dict[str, list[float]] = {"store": [], "wait": [], "merge": []}
    for row in await pool.fetch(PACED_TIMES):
        shard = merge_shard(row["session_id"])
        processed, stored = float(row["processed"]), float(row["stored"])
        parts["store"].append((stored - float(row["commented"])) * 1000)
        at = bisect.bisect_right(starts.get(shard, []), processed) - 1
        if at < 0 or by_shard[shard][at].finished < processed:
            continue  # merged outside a recorded round (a one-session job of the sweeper)
        round_start = by_shard[shard][at].started
        parts["wait"].append((round_start - stored) * 1000)
        parts["merge"].append((processed - round_start) * 1000)
    figures: dict[str, float] = {}
    for name, values in parts.items():
        figures[f"paced_{name}_p50_ms"] = _percentile(values, 0.5)
        figures[f"paced_{name}_p99_ms"] = _percentile(values, 0.99)
    gaps, lengths = [], []
    for shard_rounds in by_shard.values():
        lengths += [(r.finished - r.started) * 1000 for r in shard_rounds]
        gaps += [(b.started - a.finished) * 1000 for a, b in itertools.pairwise(shard_rounds)]
    figures["paced_round_p50_ms"] = _percentile(lengths, 0.5)
    figures["paced_round_p99_ms"] = _percentile(lengths, 0.99)
    # From a round's end to the shard's next round: after-merge work, the gap, or a new job.
    figures["paced_between_rounds_p50_ms"] = _percentile(gaps, 0.5)
    figures["paced_between_rounds_p99_ms"] = _percentile(gaps, 0.99)
    merged = [r.comments for r in rounds if r.comments]
    figures["paced_merge_rounds"] = len(merged)
    figures["paced_comments_per_round"] = round(sum(merged) / max(1, len(merged)), 1)
    return figures


# pg_stat_statements (database `postgres`), for the bench's database: the statements taking a
# live's merge lock by session or order (schema/queries/orders.sql; its constants read $n there),
# whose time is almost all waiting for the lock.
LIVE_LOCK_WAIT = (
    "SELECT coalesce(sum(calls), 0) AS calls, coalesce(sum(total_exec_time), 0) AS ms "
    "FROM pg_stat_statements WHERE dbid = $1 "
    "AND query LIKE '%pg_advisory_xact_lock(hashtext(%live_id::int)%'"
)


async def live_lock_wait(admin_url: str, dbid: int) -> tuple[int, float] | None:
    """(calls, ms) of the live-lock statements so far; None without pg_stat_statements."""
    conn = await asyncpg.connect(admin_url)
    try:
        row = await conn.fetchrow(LIVE_LOCK_WAIT, dbid)
    except asyncpg.PostgresError:  # the extension is not installed or not loaded
        return None
    finally:
        await conn.close()
    assert row is not None  # an aggregate
    return int(row["calls"]), float(row["ms"])


def _lock_figures(
    before: tuple[int, float] | None, after: tuple[int, float] | None
) -> dict[str, float | str]:
    if before is None or after is None:
        return {"paced_live_lock_calls": "not measured", "paced_live_lock_wait_ms": "not measured"}
    return {
        "paced_live_lock_calls": after[0] - before[0],
        "paced_live_lock_wait_ms": round(after[1] - before[1], 1),
    }


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


async def integrity(pool: asyncpg.Pool, sent: int) -> tuple[int, int]:
    """(lost, duplicate orders): every unique comment stored once, one open order per buyer."""
    stored = await pool.fetchval(
        "SELECT count(*) FROM comments WHERE status IN ('processed', 'pending')"
    )
    duplicates = await pool.fetchval(
        "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM orders "
        "WHERE status NOT IN ('cancelled', 'expired') "
        "GROUP BY session_id, buyer_identity_id) t"
    )
    return sent - int(stored), int(duplicates)


async def run_ingest_bench(settings: Settings, config: IngestBenchConfig) -> dict[str, float | str]:
    assert settings.database_url is not None
    async with throwaway_database(settings.database_url, "chotdon_bench") as url:
        queue = f"bench:{uuid.uuid4().hex[:8]}"
        bench = settings.model_copy(update={"database_url": url, "arq_queue": queue})
        pool = await create_pool(bench, max_size=4)
        arq = await create_arq_pool(bench)
        try:
            async with pool.acquire() as conn:
                await seed_lives(conn, lives(config.lives))
            async with sending_to_simulator(pool, bench, lives(config.lives)) as (bench, graph):
                figures = await _measure(pool, arq, bench, config, graph, settings.database_url)
                return figures | await _queue_figures(pool, bench, config, graph)
        finally:  # Redis is shared: the phases' unsent jobs and the rounds go with the run
            await drop_queues(arq)
            await arq.delete(_rounds_key(bench))
            await arq.aclose()
            await pool.close()


def _rounds_key(bench: Settings) -> str:
    return f"{bench.arq_queue}:merge-rounds"


async def _queue_figures(
    pool: asyncpg.Pool, bench: Settings, config: IngestBenchConfig, graph_url: str
) -> dict[str, float]:
    """The paced load again per worker layout, messages really sent (bench/queues.py)."""
    if not config.queue_layouts:
        return {}
    phase = QueuePhaseConfig(config.paced_rate, config.paced_seconds, config.workers)
    paced_lives = lives(min(config.paced_lives, config.lives))
    return await queue_phases(pool, bench, paced_lives, phase, graph_url, config.queue_layouts)


async def _measure(
    pool: asyncpg.Pool, arq: RoutedArqRedis, bench: Settings, config: IngestBenchConfig,
    graph_url: str, admin_url: str,
) -> dict[str, float | str]:  # fmt: skip
    stream = CommentStream(lives(config.lives))
    paced_stream = CommentStream(lives(min(config.paced_lives, config.lives)), seed=11)
    naive_events = stream.take(config.naive_comments, prefix="naive-")
    burst_events = stream.take(config.comments, prefix="burst-")
    copy_rate = await copy_phase(pool, burst_events)
    rounds_key = _rounds_key(bench)
    env = worker_env(graph_url) | {"CHOTDON_BENCH_MERGE_ROUNDS_KEY": rounds_key}
    async with running_processes(bench, ["worker"] * config.workers, env) as children:
        await wait_for_heartbeat(pool, arq)
        naive_rate = await naive_phase(pool, arq, naive_events)
        # A live database has planner statistics; a minute-old one has none until autovacuum
        # wakes up, and would be measured on sequential scans no production server runs.
        await pool.execute("ANALYZE")
        worker_pids = [child.pid for child in children]
        local = cpu.postgres_is_local(bench.database_url or "")
        before = await cpu.snapshot(pool, worker_pids, local)
        rate, orders_rate, duplicates = await burst_phase(pool, arq, burst_events)
        burst_cpu = await cpu.spent_since(pool, worker_pids, before, local)
        dbid = int(await pool.fetchval(DBID))
        locks_before = await live_lock_wait(admin_url, dbid)
        before = await cpu.snapshot(pool, worker_pids, local)
        paced = await paced_phase(
            pool, arq, paced_stream, config.paced_rate, config.paced_seconds, rounds_key
        )
        paced_cpu = await cpu.spent_since(pool, worker_pids, before, local)
        locks = _lock_figures(locks_before, await live_lock_wait(admin_url, dbid))
    lost, duplicate_orders = await integrity(
        pool, config.naive_comments + config.comments + paced.sent
    )
    return {
        "comments": config.comments, "lives": config.lives, "workers": config.workers,
        "comments_per_s": round(rate), "orders_per_s": round(orders_rate),
        "p50_ms": round(paced.p50_ms, 1), "p99_ms": round(paced.p99_ms, 1),
        "paced_rate": config.paced_rate, "paced_lives": min(config.paced_lives, config.lives),
        **paced.breakdown, "paced_messages_sent": paced.messages_sent,
        "paced_messages_waiting": paced.messages_waiting, **locks,
        **{f"paced_{k}": v for k, v in paced_cpu.per_comment_ms(paced.sent).items()},
        "naive_comments_per_s": round(naive_rate), "copy_comments_per_s": round(copy_rate),
        "vs_naive": round(rate / naive_rate, 1), "vs_copy": round(rate / copy_rate, 3),
        **burst_cpu.per_comment_ms(config.comments),
        "redeliveries_ignored": duplicates, "lost": lost, "duplicate_orders": duplicate_orders,
    }  # fmt: skip
