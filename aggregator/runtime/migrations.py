"""Bring a settings' database to the current schema: what `chotdon migrate` and the demo run."""

from __future__ import annotations

import structlog

from aggregator.errors import ServiceUnavailableError
from aggregator.runtime.db import connection
from aggregator.settings import Settings
from schema.migrate import MigrationReport, migrate

log = structlog.get_logger()


async def migrate_database(settings: Settings) -> MigrationReport:
    if not settings.database_url:
        raise ServiceUnavailableError("no DATABASE_URL to migrate")
    async with connection(settings.database_url) as conn:
        report = await migrate(conn)
    log.info("schema.migrated", applied=list(report.applied), version=report.current_version)
    return report
