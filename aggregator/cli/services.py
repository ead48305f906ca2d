"""Decide where Postgres and Redis are: the URLs from the environment, or embedded ones."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from pathlib import Path

from pydantic import SecretStr

from aggregator.cli.embedded import EmbeddedServices
from aggregator.settings import Settings

APP_SECRET_FILE = "app_secret"


def _local_app_secret(data_dir: Path) -> SecretStr:
    """A per-install secret for embedded mode, created once and kept beside the data."""
    path = data_dir / APP_SECRET_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return SecretStr(path.read_text().strip())


@contextlib.contextmanager
def resolved_services(settings: Settings) -> Iterator[Settings]:
    """Yield settings whose URLs point at real services, starting embedded ones where unset."""
    with services_and_embedded(settings) as (resolved, _):
        yield resolved


@contextlib.contextmanager
def services_and_embedded(
    settings: Settings,
) -> Iterator[tuple[Settings, EmbeddedServices | None]]:
    """As resolved_services, and the embedded servers when this process started them (the
    chaos run restarts that Postgres; a server from DATABASE_URL is not ours to restart)."""
    if not settings.uses_embedded_services:
        yield settings, None
        return
    embedded = EmbeddedServices(settings.data_dir)
    database_url, redis_url = embedded.start()
    try:
        resolved = settings.model_copy(
            update={
                "database_url": settings.database_url or database_url,
                "redis_url": settings.redis_url or redis_url,
                "app_secret": settings.app_secret or _local_app_secret(settings.data_dir),
            }
        )
        yield resolved, embedded if settings.database_url is None else None
    finally:
        embedded.stop()
