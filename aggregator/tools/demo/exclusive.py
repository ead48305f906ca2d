"""One demo per database, whatever its folder or port.

The demo resets its staff passwords and re-seals its channel secrets in the database it runs on.
The data-folder lock (cli/single_instance.py) covers the embedded servers; with DATABASE_URL two
demos on different folders and ports would still share a database, so the demo also holds a
Postgres advisory lock on its own connection for its whole run (Postgres drops it if we die).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from aggregator.errors import ConflictError
from aggregator.runtime.db import connection

DEMO_LOCK = "SELECT pg_try_advisory_lock(hashtext('chotdon-demo'))"


def database_name(url: str) -> str:
    """The database's name only: a URL may carry a password, which never reaches a screen."""
    return urlsplit(url).path.lstrip("/") or "postgres"


@contextlib.asynccontextmanager
async def demo_database_held(database_url: str) -> AsyncIterator[None]:
    """Hold the demo's database for this run, or raise ConflictError at once."""
    async with connection(database_url) as conn:
        if not await conn.fetchval(DEMO_LOCK):
            raise ConflictError(
                f"the database {database_name(database_url)} is in use by another chotdon demo; "
                "stop that one, or give this one its own DATABASE_URL (or none, with --data-dir)"
            )
        yield
