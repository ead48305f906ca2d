"""`chotdon bench dashboard` runs end to end on a small size and reports a complete, honest result.

No timing is asserted (machines are noisy); the figures must exist, the counters must equal the
recount after the load, and nothing the server acknowledged may be lost. Lighthouse is never
required: the smoke run asks for none and must say so.
"""

from __future__ import annotations

import asyncio

import orjson

from aggregator.settings import Settings
from tests.support.processes import cli_env, run_cli

REQUIRED = {
    "page_p50_ms", "page_p95_ms", "page_p99_ms", "baseline_unrouted_p95_ms",
    "baseline_recount_queries_p95_ms", "counter_queries_p95_ms", "page_p95_vs_recount_queries_p95",
    "page_p95_vs_unrouted_p95", "write_comments_with_vs_without", "write_orders_with_vs_without",
    "load_comments_per_s_acknowledged",
}  # fmt: skip


async def test_small_dashboard_benchmark_reports_every_figure(
    admin_url: str, settings: Settings
) -> None:
    env = cli_env(DATABASE_URL=admin_url, REDIS_URL=settings.redis_url or "")
    args = ["bench", "dashboard", "--json", "--comments", "3000", "--orders", "90",
            "--requests", "10", "--load-rate", "100", "--no-lighthouse"]  # fmt: skip
    result = await asyncio.to_thread(run_cli, *args, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    figures = orjson.loads(result.stdout.strip().splitlines()[-1])
    assert figures.keys() >= REQUIRED
    assert figures["counters_match_recount"] == 1
    assert figures["lost"] == 0 and figures["duplicate_orders"] == 0
    assert figures["load_comments_per_s_acknowledged"] > 0
    assert figures["page_p95_ms"] > 0 and figures["baseline_recount_queries_p95_ms"] > 0
    assert figures["lighthouse_performance"] == "not measured"
    assert figures["comments_before"] == 3000 and figures["lives_on_air"] == 3
