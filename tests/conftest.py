"""Fixtures: real Postgres and Redis (DATABASE_URL / REDIS_URL, or embedded ones when unset).

Each test gets a database of its own, as new as a clone of the migrated template (each process
reuses one, emptied between tests: tests/support/spares.py), and its own arq queue name on a
flushed Redis database, so tests are isolated from each other and from anything else on the server.
"""

from __future__ import annotations

import asyncio
import os
import random
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
import redis.asyncio as aioredis
import structlog
from arq.connections import ArqRedis

from aggregator.cli.embedded import EmbeddedServices
from aggregator.runtime.db import connect, create_pool
from aggregator.runtime.queue import create_arq_pool
from aggregator.settings import Settings
from tests.support.databases import with_database
from tests.support.spares import SpareDatabases

# Tests never pick up a developer's CHOTDON_* configuration.
for _name in [n for n in os.environ if n.startswith("CHOTDON_")]:
    del os.environ[_name]


@pytest.fixture(scope="session")
def service_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(admin Postgres URL, Redis URL): from the environment, else embedded for this session."""
    database_url, redis_url = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    if database_url and redis_url:
        yield database_url, redis_url
        return
    embedded = EmbeddedServices(tmp_path_factory.mktemp("embedded"))
    pg_url, embedded_redis = embedded.start()
    try:
        yield database_url or pg_url, redis_url or embedded_redis
    finally:
        embedded.stop()


@pytest.fixture(scope="session")
def admin_url(service_urls: tuple[str, str]) -> str:
    return service_urls[0]


@pytest.fixture(scope="session")
def redis_url(service_urls: tuple[str, str], worker_id: str, testrun_uid: str) -> str:
    base = service_urls[1]
    if base.startswith("unix://"):
        return base
    return with_database(base, str(redis_database_number(worker_id, testrun_uid)))


def redis_database_number(worker_id: str, testrun_uid: str) -> int:
    """A Redis database of this test process's own (1-15; 0 is left to the application): tests
    flush it. The run picks a random start so two runs on one machine rarely flush each other's
    queues, and each xdist worker of one run ("gw0", "gw1"...; "master" without -n) takes the next
    number, so two workers of one run never do."""
    index = int(worker_id.removeprefix("gw")) if worker_id.startswith("gw") else 0
    return 1 + (random.Random(testrun_uid).randrange(15) + index) % 15


@pytest.fixture(scope="session")
def spare_databases(admin_url: str) -> Iterator[SpareDatabases]:
    spares = SpareDatabases(admin_url)
    try:
        yield spares
    finally:
        spares.close()


@pytest.fixture
async def database_url(admin_url: str, spare_databases: SpareDatabases) -> AsyncIterator[str]:
    name = await asyncio.to_thread(spare_databases.take)
    try:
        yield with_database(admin_url, name)
    finally:
        spare_databases.give_back(name)


@pytest.fixture
async def clean_redis(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(redis_url)
    await client.flushdb()
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
def settings(
    database_url: str, redis_url: str, clean_redis: aioredis.Redis, tmp_path: Path
) -> Settings:
    return Settings(
        database_url=database_url,
        redis_url=redis_url,
        data_dir=tmp_path / "data",
        arq_queue=f"test:{uuid.uuid4().hex[:8]}",
        log_json=False,
    )


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await connect(database_url)
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture(autouse=True)
def _reset_structlog() -> Iterator[None]:
    structlog.reset_defaults()
    yield
    structlog.reset_defaults()


@pytest.fixture
async def pool(settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    created = await create_pool(settings)
    try:
        yield created
    finally:
        await created.close()


@pytest.fixture
async def arq_pool(settings: Settings) -> AsyncIterator[ArqRedis]:
    created = await create_arq_pool(settings)
    try:
        yield created
    finally:
        await created.aclose()
