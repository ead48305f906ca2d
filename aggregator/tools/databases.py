"""A throw-away database for a harness run (bench, chaos): created and migrated on the server,
dropped afterwards unless kept to look into."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

from aggregator.errors import ServiceUnavailableError
from aggregator.runtime.db import CONNECTION_LOST, connection
from schema.migrate import migrate

DROP_ATTEMPTS = 5


def with_database(url: str, name: str) -> str:
    """The same server URL pointing at another database."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@contextlib.asynccontextmanager
async def throwaway_database(
    server_url: str, prefix: str, keep: bool = False
) -> AsyncIterator[str]:
    """`<prefix>_<random>`: migrated for the run, its URL yielded, dropped after it unless kept."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    async with connection(server_url) as admin:
        await admin.execute(f'CREATE DATABASE "{name}"')
    url = with_database(server_url, name)
    try:
        async with connection(url) as conn:
            await migrate(conn)
        yield url
    finally:
        if not keep:
            await _drop(server_url, name)


async def _drop(server_url: str, name: str) -> None:
    """Retried on a fresh connection: at the end of a chaos run the embedded server may still be
    coming back from the last restart fault, and a lost connection must not fail a good run."""
    for attempt in range(1, DROP_ATTEMPTS + 1):
        try:
            async with connection(server_url) as admin:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except (*CONNECTION_LOST, ServiceUnavailableError):  # cut, or not accepting yet
            if attempt == DROP_ATTEMPTS:
                raise
            await asyncio.sleep(attempt)
