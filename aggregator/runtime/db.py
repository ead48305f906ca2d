"""asyncpg pools and connections with JSON codecs, and one clear error when Postgres is away."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import orjson
from asyncpg.pool import PoolConnectionProxy

from aggregator.errors import ServiceUnavailableError
from aggregator.runtime.tenancy import current_tenant
from aggregator.settings import Settings

CONNECT_TIMEOUT_S = 10.0
# JIT off on every connection: its cost threshold is reached by estimates, and a partitioned
# table's parent is never analyzed by autovacuum, so one-row lookups (the order a buyer message is
# about) were estimated at ~750k and compiled for 9 s of CPU each, for 8 ms of execution: the
# chaos run's buyer messages and courier bookings crawled at ~1/s behind it.
SERVER_SETTINGS = {"jit": "off"}
STAFF_ROLE = "chotdon_staff"  # the role row-level security applies to (migration 0012)
# One round trip on each loan: the role (RESET ALL on release keeps it, but a connection the
# pool re-opened would not have it) and the cooperative, '' (no rows at all) when none is set.
_ENTER_TENANT = "SELECT set_config('role', $1, false), set_config('chotdon.tenant_id', $2, false)"
# A connection of our own or one borrowed from a pool: query code accepts either.
Connection = asyncpg.Connection | PoolConnectionProxy
# Either, or the pool itself: code whose statements stand alone or join the caller's transaction.
Queryable = asyncpg.Pool | Connection


async def _init_connection(conn: asyncpg.Connection) -> None:
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(
            type_name, encoder=_dump_json, decoder=orjson.loads, schema="pg_catalog"
        )


def _dump_json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _require_url(settings: Settings) -> str:
    if not settings.database_url:
        raise ServiceUnavailableError(
            "DATABASE_URL is not set and no embedded Postgres was started"
        )
    return settings.database_url


def describe_failure(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".strip().rstrip(":")


# What a statement may meet when its connection goes away (the server restarting, its backends
# terminated): retryable. InternalClientError is what asyncpg raises for a connection killed in
# the middle of a statement; it is not a PostgresError, and a writer task that let it escape
# would end and leave every later caller waiting for ever.
CONNECTION_LOST = (
    OSError, asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError,
)  # fmt: skip
# What asyncpg raises when the server is away, refuses us, or the URL is wrong.
_CONNECT_FAILURES = (
    OSError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    TimeoutError,
    ValueError,
)


@contextlib.contextmanager
def _one_clear_line() -> Iterator[None]:
    try:
        yield
    except _CONNECT_FAILURES as exc:
        raise ServiceUnavailableError(
            f"cannot connect to Postgres: {describe_failure(exc)}"
        ) from exc


async def create_pool(settings: Settings, **overrides: Any) -> asyncpg.Pool:
    """A pool for the web app or a worker. Fails with one clear line if Postgres is away."""
    options: dict[str, Any] = {
        "min_size": settings.pg_pool_min,
        "max_size": settings.pg_pool_max,
        "init": _init_connection,
        "timeout": CONNECT_TIMEOUT_S,
        "server_settings": SERVER_SETTINGS,
        **overrides,
    }
    with _one_clear_line():
        return await asyncpg.create_pool(_require_url(settings), **options)


async def _enter_tenant(conn: PoolConnectionProxy) -> None:
    tenant = current_tenant()
    await conn.execute(_ENTER_TENANT, STAFF_ROLE, "" if tenant is None else str(tenant))


async def create_staff_pool(settings: Settings) -> asyncpg.Pool:
    """The pool staff requests use: every connection it lends acts as chotdon_staff for the
    cooperative of aggregator.runtime.tenancy.current_tenant(), so Postgres itself keeps each
    cooperative's rows from the others' staff, whatever a query forgot."""
    return await create_pool(settings, max_size=settings.pg_staff_pool_max, setup=_enter_tenant)


async def connect(url: str) -> asyncpg.Connection:
    """One connection, for migrations and short CLI tasks."""
    with _one_clear_line():
        conn = await asyncpg.connect(
            url, timeout=CONNECT_TIMEOUT_S, server_settings=SERVER_SETTINGS
        )
    await _init_connection(conn)
    return conn


@contextlib.asynccontextmanager
async def connection(url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await connect(url)
    try:
        yield conn
    finally:
        await conn.close()


async def execute_through_outage(
    pool: asyncpg.Pool, sql: str, *args: Any, attempts: int = 6, first_wait_s: float = 0.25
) -> None:
    """One idempotent statement that must not be lost to a dropped connection or a server
    briefly full or restarting (~8 s of waiting in all): recording what already happened outside,
    such as a message the platform has accepted, which otherwise would be done a second time."""
    for attempt in range(1, attempts + 1):
        try:
            await pool.execute(sql, *args)
            return
        except CONNECTION_LOST:
            if attempt == attempts:
                raise
            await asyncio.sleep(first_wait_s * 2 ** (attempt - 1))
