"""`chotdon bench webhooks` runs end to end on a small size; figures exist, nothing is lost."""

from __future__ import annotations

import asyncio

import orjson

from aggregator.runtime.metrics import INTAKE_STAGES
from aggregator.settings import Settings
from tests.support.processes import cli_env, free_port, run_cli


async def test_small_webhook_benchmark_acknowledges_and_stores_every_post(
    admin_url: str, settings: Settings
) -> None:
    env = cli_env(
        DATABASE_URL=admin_url, REDIS_URL=settings.redis_url or "", CHOTDON_PORT=str(free_port())
    )
    args = ["bench", "webhooks", "--json", "--posts", "300", "--concurrency", "8"]
    result = await asyncio.to_thread(run_cli, *args, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    figures = orjson.loads(result.stdout.strip().splitlines()[-1])
    assert figures["posts"] == 600  # 300 signed POSTs in each of the two rounds
    assert figures["acknowledged"] == figures["deliveries_stored"] == 600
    assert figures["comments_stored"] == 600
    assert (
        figures["signed_webhook_posts_per_s"] > 0 and figures["baseline_unrouted_posts_per_s"] > 0
    )
    assert figures["ratio_to_unrouted"] > 0
    # the web process's CPU per POST, read from /proc (this test runs on Linux)
    assert figures["server_cpu_us_per_signed_post"] > 0
    assert figures["server_cpu_us_per_unrouted_post"] > 0
    # and the Postgres backends' (Postgres runs on this machine in tests)
    assert figures["postgres_cpu_us_per_signed_post"] >= 0
    # the intake's stages, from the serve child's /metrics over the signed phases only (the
    # warm-up's 500 deliveries are before them)
    batches = figures["intake_batches"]
    assert 1 <= batches <= 600
    assert figures["intake_deliveries_per_batch"] == round(600 / batches, 1)
    assert all(figures[f"intake_{stage}_ms_per_batch"] > 0 for stage in INTAKE_STAGES)
