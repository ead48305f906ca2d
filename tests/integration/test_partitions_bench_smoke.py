"""`chotdon bench partitions` runs on a small size and reports every figure, nothing lost or
doubled. No timing is asserted (machines are noisy)."""

from __future__ import annotations

import asyncio

import orjson

from aggregator.settings import Settings
from tests.support.processes import cli_env, run_cli

REQUIRED = {
    "store_rows_per_s", "baseline_store_rows_per_s", "store_ratio_to_baseline",
    "redeliver_rows_per_s", "baseline_redeliver_rows_per_s", "retire_month_drop_ms",
    "baseline_retire_month_delete_vacuum_ms", "retire_speedup", "lost", "duplicates",
    "store_claimed_set_based_rows_per_s", "claimed_lost_or_doubled",
}  # fmt: skip


async def test_small_partition_benchmark_reports_every_figure(
    admin_url: str, settings: Settings
) -> None:
    env = cli_env(DATABASE_URL=admin_url, REDIS_URL=settings.redis_url or "")
    args = ["bench", "partitions", "--json", "--comments", "2000", "--batch", "200"]
    result = await asyncio.to_thread(run_cli, *args, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    figures = orjson.loads(result.stdout.strip().splitlines()[-1])
    assert figures.keys() >= REQUIRED
    assert (figures["lost"], figures["duplicates"], figures["claimed_lost_or_doubled"]) == (0, 0, 0)
    assert figures["comments"] == 2000
    assert figures["store_rows_per_s"] > 0 and figures["baseline_store_rows_per_s"] > 0
