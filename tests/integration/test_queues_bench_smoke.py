"""The ingest bench's queue phases run end to end on a small size: every layout reports its
comment -> order and message recorded -> sent percentiles, with messages really sent, nothing
lost and no order doubled. No timing is asserted (machines are noisy)."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from aggregator.settings import Settings
from aggregator.tools.bench.queues import LAYOUTS
from tests.support.processes import cli_env, run_cli

PER_LAYOUT = (
    "order_p50_ms", "order_p95_ms", "order_p99_ms", "message_p50_ms", "message_p95_ms",
    "message_p99_ms", "messages_sent", "messages_unsettled", "lost",
)  # fmt: skip


@pytest.mark.timeout(600)  # four sets of worker processes; each starts slowly on a busy machine
async def test_queue_phases_report_both_queues_for_every_layout(
    admin_url: str, settings: Settings
) -> None:
    env = cli_env(DATABASE_URL=admin_url, REDIS_URL=settings.redis_url or "")
    args = ["bench", "ingest", "--json", "--comments", "300", "--lives", "4", "--workers", "1",
            "--naive-comments", "20", "--paced-rate", "100", "--paced-seconds", "1",
            "--queue-layouts", ",".join(LAYOUTS)]  # fmt: skip
    result = await asyncio.to_thread(run_cli, *args, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    figures = orjson.loads(result.stdout.strip().splitlines()[-1])
    for layout in LAYOUTS:
        assert figures.keys() >= {f"{layout}_{name}" for name in PER_LAYOUT}, layout
        assert figures[f"{layout}_lost"] == 0
        assert figures[f"{layout}_messages_unsettled"] == 0
        assert figures[f"{layout}_messages_sent"] > 0  # buyers were told, through the simulator
        assert figures[f"{layout}_order_p50_ms"] > 0
    assert figures["queues_duplicate_orders"] == 0
    assert {"split_order_p99_vs_shared", "split_procs_order_p99_vs_shared"} <= figures.keys()
