"""Operator tasks behind the CLI: import a CSV through the ingest path, list orphaned comments."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aggregator.errors import BadInputError
from aggregator.ingest.csv_import import BadRow, CsvFormatError, CsvKind, read_csv
from aggregator.ingest.pipeline import Ingestor, IngestStats
from aggregator.rehearsal.replay import ReplaySource, replay
from aggregator.runtime.db import create_pool
from aggregator.runtime.queue import create_arq_pool
from aggregator.settings import Settings
from schema.queries import query


@dataclass(frozen=True)
class ImportReport:
    rows: int
    stats: IngestStats
    bad_rows: list[BadRow]


async def import_csv(settings: Settings, path: Path, kind: CsvKind) -> ImportReport:
    try:
        with path.open(newline="", encoding="utf-8-sig") as stream:
            reading = read_csv(stream, kind)
    except (OSError, UnicodeDecodeError, CsvFormatError) as exc:
        raise BadInputError(f"{path}: {exc}") from exc
    pool = await create_pool(settings)
    arq = await create_arq_pool(settings)
    try:
        async with Ingestor(pool, arq) as ingestor:
            await ingestor.submit_many(reading.events)
    finally:
        await arq.aclose()
        await pool.close()
    rows = len(reading.events) + len(reading.bad_rows)
    return ImportReport(rows=rows, stats=ingestor.stats, bad_rows=reading.bad_rows)


async def orphaned_comments(
    settings: Settings, tenant_slug: str | None, limit: int
) -> list[dict[str, object]]:
    """Comments no live could take (unknown page or live), newest first, for staff to look at."""
    pool = await create_pool(settings, min_size=1, max_size=1)
    try:
        tenant_id = None
        if tenant_slug is not None:
            tenant_id = await pool.fetchval("SELECT id FROM tenants WHERE slug = $1", tenant_slug)
            if tenant_id is None:
                raise BadInputError(f"no cooperative with slug {tenant_slug!r}")
        rows = await pool.fetch(query("orphaned_comments"), tenant_id, tenant_id is None, limit)
    finally:
        await pool.close()
    return [dict(r) for r in rows]


async def replay_live(settings: Settings, source: ReplaySource, speed: float) -> dict[str, object]:
    if speed <= 0:
        raise BadInputError("--speed must be above 0")
    pool = await create_pool(settings)
    arq = await create_arq_pool(settings)
    try:
        return await replay(pool, arq, source, speed)
    finally:
        await arq.aclose()
        await pool.close()
