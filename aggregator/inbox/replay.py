"""Dead letters processed again: `chotdon deliveries replay`, after an upgrade taught chotdon to
read what it once kept as unreadable.

Each source (facebook, zalo, courier:ghtk, payments…) gives a Replayer: it takes the stored,
already verified body and does what the live route would have done after recording it, without
recording a second delivery. The row then takes the outcome. Replaying twice changes nothing: a
row leaves 'unreadable' once read, and the work behind it is idempotent by its own keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import asyncpg
import structlog

from aggregator.runtime.db import Connection
from schema.enums import DeliveryStatus
from schema.queries import query

log = structlog.get_logger()
BATCH = 100


@dataclass(frozen=True, slots=True)
class StoredDelivery:
    id: int
    source: str
    tenant_id: int | None
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class Replayed:
    """What became of a dead letter: PROCESSED, DUPLICATE or still UNREADABLE (with why)."""

    status: DeliveryStatus
    error: str | None = None
    tenant_id: int | None = None


class Replayer(Protocol):
    async def __call__(self, delivery: StoredDelivery) -> Replayed: ...


@dataclass
class ReplayReport:
    read: dict[str, int] = field(default_factory=dict)  # per source: now processed (or duplicate)
    unreadable: dict[str, int] = field(default_factory=dict)  # per source: still not understood
    no_replayer: dict[str, int] = field(default_factory=dict)  # per source: nobody to ask yet

    def count(self, tally: dict[str, int], source: str) -> None:
        tally[source] = tally.get(source, 0) + 1


async def replay_unreadable(
    pool: asyncpg.Pool, replayers: Mapping[str, Replayer], source: str | None = None
) -> ReplayReport:
    """Every dead letter (of one source, or all), oldest first, once."""
    report, last_id = ReplayReport(), 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(query("unreadable_deliveries"), source, BATCH, last_id)
            for row in rows:
                await _replay_one(conn, replayers, _stored(row), report)
        if len(rows) < BATCH:
            return report
        last_id = rows[-1]["id"]


def _stored(row: asyncpg.Record) -> StoredDelivery:
    return StoredDelivery(
        row["id"], row["source"], row["tenant_id"], dict(row["headers"] or {}), bytes(row["body"])
    )


async def _replay_one(
    conn: Connection, replayers: Mapping[str, Replayer], delivery: StoredDelivery,
    report: ReplayReport,
) -> None:  # fmt: skip
    replayer = replayers.get(delivery.source)
    if replayer is None:
        report.count(report.no_replayer, delivery.source)
        return
    outcome = await replayer(delivery)
    await conn.execute(
        query("finish_replay"), delivery.id, outcome.status.value, outcome.error, outcome.tenant_id
    )
    still = outcome.status is DeliveryStatus.UNREADABLE
    report.count(report.unreadable if still else report.read, delivery.source)
    log.info("inbox.replayed", delivery_id=delivery.id, source=delivery.source,
             status=outcome.status.value)  # fmt: skip
