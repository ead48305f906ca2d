"""`chotdon bench hostile` runs end to end on a small size: every phase reports its latencies and
ratios, the floods were answered (the logins refused, the unsigned deliveries refused), and no
flood got a 500. No timing is asserted (machines are noisy)."""

from __future__ import annotations

import asyncio

import orjson

from aggregator.settings import Settings
from tests.support.processes import cli_env, free_port, run_cli

PHASES = (
    "no_flood", "login_flood_one_address", "login_flood_many_addresses", "refused_1mb_unsigned",
    "unauthenticated_posts",
)  # fmt: skip


async def test_small_hostile_benchmark_reports_every_phase(
    admin_url: str, settings: Settings
) -> None:
    env = cli_env(
        DATABASE_URL=admin_url, REDIS_URL=settings.redis_url or "", CHOTDON_PORT=str(free_port())
    )
    args = ["bench", "hostile", "--json", "--seconds", "1.5", "--login-rate", "20",
            "--big-rate", "2", "--unauth-rate", "20"]  # fmt: skip
    result = await asyncio.to_thread(run_cli, *args, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    figures = orjson.loads(result.stdout.strip().splitlines()[-1])
    for phase in PHASES:
        for name in ("healthz_p50_ms", "healthz_p99_ms", "webhook_p50_ms", "webhook_p99_ms"):
            assert figures[f"{phase}.{name}"] > 0, (phase, name)
        if phase != "no_flood":
            assert figures[f"{phase}.webhook_p99_ratio"] > 0
            answered = {k: v for k, v in figures.items() if k.startswith(f"{phase}.answers_")}
            assert answered and not any(k.endswith("_500") for k in answered), answered
    for phase in ("login_flood_one_address", "login_flood_many_addresses"):
        assert figures[f"{phase}.answers_401"] > 0  # checked and refused; none logged in
        assert not any(k.startswith(f"{phase}.answers_30") for k in figures)
    assert figures["refused_1mb_unsigned.answers_401"] >= 1
