"""A throw-away database for a benchmark run: migrated, seeded with lives, dropped afterwards."""

from __future__ import annotations

import asyncio
import time
import uuid

import asyncpg
from arq.connections import ArqRedis

from aggregator.runtime import jobs
from aggregator.runtime.db import Connection
from aggregator.tools.bench.corpus import Live

PRODUCTS = [
    ("A01", "Gạo ST25 túi 5kg", ["st25", "gạo st25"], [], 180_000),
    ("M02", "Mật ong hoa nhãn", ["mật ong", "mật ong nhãn"], ["500ml", "1l"], 150_000),
    ("N01", "Nem chua Thanh Hóa", ["nem chua", "nem"], [], 60_000),
    ("B01", "Bánh cáy Thái Bình", ["bánh cáy"], [], 45_000),
]
STOCK_PER_LIVE = 300


async def seed_lives(conn: Connection, all_lives: list[Live]) -> None:
    """One cooperative with a Facebook page and a live per entry, products and per-live stock."""
    tenant_id = await conn.fetchval(
        "INSERT INTO tenants (slug, name) VALUES ('htx-bench', 'HTX Bench') RETURNING id"
    )
    product_ids = [
        await conn.fetchval(
            "INSERT INTO products (tenant_id, code, name, aliases, variants, price_vnd) "
            "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            tenant_id, code, name, aliases, variants, price,
        )
        for code, name, aliases, variants, price in PRODUCTS
    ]  # fmt: skip
    for live in all_lives:
        channel_id = await conn.fetchval(
            "INSERT INTO channels (tenant_id, platform, external_id, name) "
            "VALUES ($1, 'facebook', $2, $2) RETURNING id",
            tenant_id,
            live.page_id,
        )
        session_id = await conn.fetchval(
            "INSERT INTO live_sessions (tenant_id, channel_id, external_live_id, started_at) "
            "VALUES ($1, $2, $3, now()) RETURNING id",
            tenant_id,
            channel_id,
            live.live_id,
        )
        await conn.executemany(  # the live the session made for itself on insert
            "INSERT INTO live_stock (tenant_id, live_id, product_id, quantity) "
            "SELECT $1, live_id, $3, $4 FROM live_sessions WHERE id = $2",
            [(tenant_id, session_id, pid, STOCK_PER_LIVE) for pid in product_ids],
        )


async def wait_for_heartbeat(pool: asyncpg.Pool, arq: ArqRedis, timeout_s: float = 60.0) -> None:
    """Return once a worker has run a job: the measured phases must not include start-up."""
    job_id = f"heartbeat:{uuid.uuid4().hex}"
    await arq.enqueue_job(jobs.RECORD_HEARTBEAT, "bench", _job_id=job_id)
    deadline = time.monotonic() + timeout_s
    while not await pool.fetchval("SELECT 1 FROM worker_heartbeats WHERE job_id = $1", job_id):
        if time.monotonic() > deadline:
            raise TimeoutError("no worker ran the heartbeat job")
        await asyncio.sleep(0.05)
