"""`chotdon bench webhooks`: signed Facebook webhook POSTs/s acknowledged by one web process.

One `chotdon serve` child on a throw-away database; the client sends pre-built, pre-signed
deliveries (one comment each, all different) over keep-alive connections. Baselines in the same
run: the same POSTs to an unrouted path (HTTP only), and the same POSTs unsigned (rejected but
recorded). The figures are printed, not asserted: machines are noisy.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import aiohttp

from aggregator.runtime.db import connection
from aggregator.settings import Settings
from aggregator.tools.databases import throwaway_database
from aggregator.tools.demo.supervisor import child_environment, stop_children, wait_until_healthy
from aggregator.tools.senders import (
    JSON,
    Delivery,
    Destination,
    Secrets,
    Sender,
    WireComment,
    delivery,
)
from schema.enums import Platform

BENCH_SECRET = "bench-meta-app-secret"
PAGE_ID = "bench-page"
LIVE = Destination(Platform.FACEBOOK, PAGE_ID, video="bench-live")
SECRETS = Secrets(facebook_app_secret=BENCH_SECRET)
UNSIGNED = {"Content-Type": JSON}


@dataclass(frozen=True)
class WebhookBenchConfig:
    posts: int = 20_000
    concurrency: int = 64


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
    """(POSTs per second, how many were acknowledged)."""
    aimed = [replace(d, url=url) for d in bodies]
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:
        sender = Sender(http, "", SECRETS)  # one try each, none sent twice
        started = time.perf_counter()
        await sender.in_lanes(iter(aimed), concurrency)
        elapsed = time.perf_counter() - started
    return len(aimed) / elapsed, sender.tally.deliveries


@contextlib.asynccontextmanager
async def web_process(
    settings: Settings, extra_env: dict[str, str] | None = None
) -> AsyncIterator[str]:
    """One `chotdon serve` child signing-ready for the bench page; yields its base URL."""
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
        yield settings.base_url
    finally:
        await asyncio.to_thread(stop_children, [child])


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
        async with web_process(bench) as base:
            await _fire(f"{base}/webhooks/facebook", deliveries(500, "warm"), 16)
            noop, _ = await _fire(
                f"{base}/bench-unrouted",
                deliveries(config.posts, "n", signed=False),
                config.concurrency,
            )
            unsigned, _ = await _fire(
                f"{base}/webhooks/facebook",
                deliveries(config.posts, "u", signed=False),
                config.concurrency,
            )
            rate, ok = await _fire(
                f"{base}/webhooks/facebook",
                deliveries(config.posts, "s"),
                config.concurrency,
            )
            await asyncio.sleep(0.5)
        async with connection(url) as conn:
            stored = await conn.fetchval(
                "SELECT count(*) FROM webhook_deliveries WHERE verified AND status = 'processed'"
            )
            comments = await conn.fetchval(
                "SELECT count(*) FROM comments WHERE external_id LIKE 's_%'"
            )
    return {
        "signed_webhook_posts_per_s": round(rate),
        "acknowledged": ok,
        "deliveries_stored": stored - 500,
        "comments_stored": comments,
        "baseline_unrouted_posts_per_s": round(noop),
        "baseline_unsigned_rejected_posts_per_s": round(unsigned),
        "ratio_to_unrouted": round(rate / noop, 2),
        "posts": config.posts,
        "concurrency": config.concurrency,
    }
