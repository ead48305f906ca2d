"""Bring a settings' database to the current schema: what `chotdon migrate` and the demo run."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog

from aggregator.core.partitions import PARTITIONED, months_to_make
from aggregator.errors import ServiceUnavailableError
from aggregator.runtime.db import connection
from aggregator.settings import Settings
from schema.migrate import MigrationReport, migrate
from schema.queries import query

log = structlog.get_logger()


async def migrate_database(settings: Settings) -> MigrationReport:
    if not settings.database_url:
        raise ServiceUnavailableError("no DATABASE_URL to migrate")
    async with connection(settings.database_url) as conn:
        report = await migrate(conn)
        # Month partitions ahead at every migrate too (the daily job keeps them), so a database
        # restored or upgraded after a long pause does not wait a day for this month's.
        for table in PARTITIONED:
            for month in months_to_make(datetime.now(UTC), settings.partition_months_ahead):
                await conn.fetchval(query("make_month_partition"), table, month)
    log.info("schema.migrated", applied=list(report.applied), version=report.current_version)
    return report
