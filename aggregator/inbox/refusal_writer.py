"""One writer for every refused delivery of a web process, whatever the route.

Anyone can post unsigned bodies to every webhook route at once. Written by each route's own
recorder, those refusals became concurrent single-row INSERTs, and Postgres answers contention on
a table's extension lock by growing the file by up to 20 pages per waiting backend: a flood of a
thousand refused megabytes (30 rows of a few hundred bytes, by the refusal limit) grew the
database by more than a megabyte. Here they queue for one task that writes whatever has queued
up, grouped by source, one statement per source: never two at once, and at most one pool
connection however hard the flood. A caller still waits for the commit, so a refusal answered
4xx is a refusal stored.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field

import asyncpg
import structlog

from aggregator.inbox.queued_writer import QueuedWriter
from aggregator.inbox.records import DeliveryRecord, columns
from schema.queries import query

log = structlog.get_logger()
BATCH = 200


@dataclass
class _Refusal:
    source: str
    record: DeliveryRecord
    done: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class RefusalWriter(QueuedWriter[_Refusal]):
    """`async with RefusalWriter(pool) as writer`; `await writer.record(source, record)`."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        super().__init__("refused-deliveries")
        self.pool = pool

    async def record(self, source: str, record: DeliveryRecord) -> bool:
        """Returns once the refusal is committed; an unverified record holds no key, so it is
        always new (True), as the Recorder protocol reports it."""
        if record.keyed:
            raise ValueError("only refused (unverified) deliveries go through the refusal writer")
        refusal = _Refusal(source, record)
        self._queue.put_nowait(refusal)
        await refusal.done
        return True

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._write(batch)
            except Exception as exc:  # the callers get it; the writer must outlive any batch
                log.error("inbox.refusals_not_recorded", size=len(batch), error=str(exc))
                for refusal in batch:
                    if not refusal.done.done():
                        refusal.done.set_exception(exc)
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _write(self, batch: list[_Refusal]) -> None:
        by_source: defaultdict[str, list[_Refusal]] = defaultdict(list)
        for refusal in batch:
            by_source[refusal.source].append(refusal)
        async with self.pool.acquire() as conn:
            for source, refusals in by_source.items():
                records = [r.record for r in refusals]
                await conn.execute(query("record_webhook_deliveries"), source, *columns(records))
                for refusal in refusals:
                    if not refusal.done.done():
                        refusal.done.set_result(None)
