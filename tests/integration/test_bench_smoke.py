"""`chotdon bench ingest` runs end to end on a small size and reports a complete, honest result.

No timing is asserted (machines are noisy); the figures must exist and nothing may be lost.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import orjson

from aggregator.settings import Settings
from tests.support.processes import cli_env, run_cli

REQUIRED = {
    "comments_per_s", "orders_per_s", "p50_ms", "p99_ms", "naive_comments_per_s",
    "copy_comments_per_s", "lost", "duplicate_orders", "cpu_ms_per_comment_ingest",
    "cpu_ms_per_comment_worker", "cpu_ms_per_comment_postgres", "cpu_ms_per_comment_total",
    "cpu_ms_per_comment_box", "box_idle_pct",
    # where a paced comment's time goes, and the messages sent meanwhile
    "paced_store_p50_ms", "paced_wait_p50_ms", "paced_merge_p50_ms", "paced_merge_p99_ms",
    "paced_merge_rounds", "paced_messages_sent", "paced_messages_waiting",
}  # fmt: skip


async def test_small_ingest_benchmark_reports_every_figure(
    admin_url: str, settings: Settings
) -> None:
    env = cli_env(DATABASE_URL=admin_url, REDIS_URL=settings.redis_url or "")
    args = ["bench", "ingest", "--json", "--comments", "3000", "--lives", "10", "--workers", "1",
            "--naive-comments", "200", "--paced-rate", "200", "--paced-seconds", "3"]  # fmt: skip
    # Three seconds of paced load, not one: a buyer's message goes out after its order's message
    # job (deferred to the end of its time bucket) and within its Page's rate, so sends come in
    # waves, and a one-second window held none in 3 runs of 10 on a fast machine (33-149 sent in
    # eight three-second runs).
    args += ["--queue-layouts", ""]  # the queue phases have their own smoke test (part 2)
    result = await asyncio.to_thread(run_cli, *args, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    figures = orjson.loads(result.stdout.strip().splitlines()[-1])
    assert figures.keys() >= REQUIRED
    assert figures["lost"] == 0
    assert figures["duplicate_orders"] == 0
    assert figures["redeliveries_ignored"] == 90
    assert figures["paced_messages_sent"] > 0  # buyer messages really sent meanwhile
    assert figures["paced_merge_rounds"] > 0  # the breakdown found the workers' rounds
    assert figures["comments_per_s"] > 0 and figures["copy_comments_per_s"] > 0
    # Where the CPU went: measured when Postgres runs on this machine (embedded, or local as
    # here), each side spent some and the total is their sum; "not measured" only otherwise.
    sides = [figures[f"cpu_ms_per_comment_{side}"] for side in ("ingest", "worker", "postgres")]
    if urlsplit(admin_url).hostname in (None, "", "localhost", "127.0.0.1", "::1"):
        assert all(isinstance(ms, float) and ms > 0 for ms in sides)
        assert abs(figures["cpu_ms_per_comment_total"] - sum(sides)) < 0.01
        # the whole machine: the three sides and what they leave out (Redis, the kernel)
        assert isinstance(figures["cpu_ms_per_comment_box"], float)
        assert figures["cpu_ms_per_comment_box"] > 0
        assert 0 <= figures["box_idle_pct"] <= 100
    else:
        assert figures["cpu_ms_per_comment_postgres"] == "not measured"
