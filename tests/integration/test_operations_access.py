"""Operations endpoints (/metrics, the heartbeat API) are not for the open internet; no answer
names the server software or a worker's host and process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from aggregator.settings import Settings
from aggregator.web.app import create_app
from aggregator.web.keys import ARQ_POOL, SETTINGS
from aggregator.web.operations import ops_allowed

Client = TestClient  # type: ignore[type-arg]
TOKEN = "ops-token-for-tests-0123456789"
PROXIED = {"X-Forwarded-For": "198.51.100.9"}  # what a reverse proxy adds for an outside client


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    own = settings.model_copy(update={"ops_token": SecretStr(TOKEN)})
    async with TestClient(TestServer(create_app(own))) as test_client:
        yield test_client


def test_who_may_read_operations_endpoints() -> None:
    token = SecretStr(TOKEN)
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    assert ops_allowed("127.0.0.1", {}, None)
    assert ops_allowed("10.0.0.5", {}, token) and ops_allowed("fd00::5", {}, token)
    assert not ops_allowed("8.8.8.8", {}, token)  # a public address needs the token
    assert ops_allowed("8.8.8.8", bearer, token)
    assert not ops_allowed("8.8.8.8", {"Authorization": "Bearer wrong"}, token)
    assert not ops_allowed("8.8.8.8", {"Authorization": "Bearer "}, None)
    assert not ops_allowed("127.0.0.1", PROXIED, token)  # through a proxy: the token, always
    assert not ops_allowed("127.0.0.1", {"Forwarded": "for=198.51.100.9"}, token)
    assert ops_allowed("127.0.0.1", {**PROXIED, **bearer}, token)


async def test_metrics_need_the_token_through_a_proxy(client: Client) -> None:
    refused = await client.get("/metrics", headers=PROXIED)
    assert refused.status == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert "chotdon_http_requests_total" not in await refused.text()
    wrong = await client.get("/metrics", headers={**PROXIED, "Authorization": "Bearer nope"})
    assert wrong.status == 401
    bearer = {**PROXIED, "Authorization": f"Bearer {TOKEN}"}
    allowed = await client.get("/metrics", headers=bearer)
    assert allowed.status == 200 and "chotdon_http_requests_total" in await allowed.text()
    assert (await client.get("/metrics")).status == 200  # a direct scrape on the private network


async def test_heartbeats_need_the_token_through_a_proxy(
    client: Client, db: asyncpg.Connection
) -> None:
    assert (await client.post("/api/heartbeats", headers=PROXIED)).status == 401
    assert await client.app[ARQ_POOL].zcard(client.app[SETTINGS].arq_queue) == 0
    enqueued = await client.post(
        "/api/heartbeats", headers={**PROXIED, "Authorization": f"Bearer {TOKEN}"}
    )
    assert enqueued.status == 202
    job_id = (await enqueued.json())["job_id"]
    assert (await client.get(f"/api/heartbeats/{job_id}", headers=PROXIED)).status == 401
    assert (await client.get(f"/api/heartbeats/{job_id}")).status == 404  # not run yet
    for odd in ("%00", "heartbeat:%00", "%C2%B2", "x" * 300):
        assert (await client.get(f"/api/heartbeats/{odd}")).status == 404


async def test_no_answer_names_the_server_software_or_a_worker(
    client: Client, db: asyncpg.Connection
) -> None:
    await db.execute(
        "INSERT INTO worker_heartbeats (worker, job_id, beat_at) "
        "VALUES ('build-host-7:4242', 'heartbeat:x', '2026-01-02 03:04:05+00')"
    )
    # A set-up installation (an empty one opens on its first-run page instead).
    await db.execute("INSERT INTO tenants (slug, name) VALUES ('htx-van-hanh', 'HTX Vận hành')")
    home = await client.get("/")
    html = await home.text()
    assert "build-host-7" not in html and "4242" not in html
    assert "10:04:05 02/01/2026" in html and "giờ Việt Nam" in html  # 03:04 UTC
    for path in ("/", "/healthz", "/khong-co", "/static/buyer.js", "/metrics"):
        answer = await client.get(path, headers=PROXIED)
        assert answer.headers.get("Server") == "chotdon", path
