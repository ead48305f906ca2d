"""Record platform deliveries, batched: many concurrent requests share one INSERT.

The hot path (Facebook, TikTok, Zalo, the relay): a request hands its record over and waits for
the commit (so it acknowledges only what is stored); the writer takes whatever has queued up
meanwhile. A verified delivery whose key is already stored is recorded again as a duplicate
(without the key), and the caller learns it is not new.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

import asyncpg
import structlog

from aggregator.inbox.records import DeliveryRecord, as_duplicate, columns
from aggregator.runtime.db import CONNECTION_LOST, Connection
from schema.queries import query

log = structlog.get_logger()


@dataclass
class _Pending:
    record: DeliveryRecord
    done: asyncio.Future[bool] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


def _first_of_their_key(records: list[DeliveryRecord]) -> list[bool]:
    """A key twice in one batch: the second is a duplicate already, whatever the table holds."""
    seen: set[str | None] = set()
    first = []
    for r in records:
        first.append(not r.keyed or r.delivery_key not in seen)
        if r.keyed:
            seen.add(r.delivery_key)
    return first


def _sort_out(
    records: list[DeliveryRecord], first: list[bool], stored: set[str | None]
) -> tuple[list[bool], list[DeliveryRecord]]:
    """After the insert of the candidates returned the keys it `stored`: whether each record is
    new, and the rows of the others, to record again as duplicates (without their key)."""
    new = [
        f and (not r.keyed or r.delivery_key in stored) for r, f in zip(records, first, strict=True)
    ]
    duplicates = [as_duplicate(r) for r, is_new in zip(records, new, strict=True) if not is_new]
    return new, duplicates


async def record_with_comments(
    conn: Connection, source: str, records: list[DeliveryRecord], comments: list[list[object]]
) -> tuple[list[bool], list[int | None]]:
    """Each record stored and the comments given (insert_comments_and_deliveries's columns)
    inserted, in ONE statement inside the caller's transaction, which made both key claims
    (begin_intake_transaction): whether each record is new (a duplicate is stored again as one,
    in a second statement: rare), and the live session of each comment stored. For the webhook
    intake, whose batches wait for one another at this statement (inbox/intake.py)."""
    first = _first_of_their_key(records)
    candidates = [r for r, f in zip(records, first, strict=True) if f]
    rows = await conn.fetch(
        query("insert_comments_and_deliveries"), *comments, source, *columns(candidates)
    )
    stored = {row["delivery_key"] for row in rows if not row["is_comment"]}
    outcome, duplicates = _sort_out(records, first, stored)
    if duplicates:
        await conn.execute(query("record_webhook_deliveries"), source, *columns(duplicates))
    return outcome, [row["session_id"] for row in rows if row["is_comment"]]


class DeliveryRecorder:
    """`async with DeliveryRecorder(pool, source)`; `await record(r)`: True if new."""

    def __init__(
        self, pool: asyncpg.Pool, source: str, batch_size: int = 500, writers: int = 2
    ) -> None:
        self.pool, self.batch_size, self.writers = pool, batch_size, writers
        self.source = source  # webhook_deliveries.source: facebook, tiktok, zalo, relay
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> DeliveryRecorder:
        self._tasks = [
            asyncio.create_task(self._run(), name=f"{self.source}-deliveries-{n}")
            for n in range(self.writers)
        ]
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self._queue.join()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def record(self, record: DeliveryRecord) -> bool:
        return await self.submit(record)

    def submit(self, record: DeliveryRecord) -> asyncio.Future[bool]:
        """Queue the record now; the future is True once it is committed as new (the queue is
        unbounded: the web layer's back-pressure bounds the requests in flight)."""
        pending = _Pending(record)
        self._queue.put_nowait(pending)
        return pending.done

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.batch_size and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                outcome = await self._write([p.record for p in batch])
                for pending, is_new in zip(batch, outcome, strict=True):
                    if pending.done.done():
                        continue
                    if isinstance(is_new, Exception):
                        pending.done.set_exception(is_new)
                    else:
                        pending.done.set_result(is_new)
            except CONNECTION_LOST as exc:  # record() callers get it; the writer carries on
                log.error(
                    "inbox.record_failed", source=self.source, size=len(batch), error=str(exc)
                )
                for pending in batch:
                    if not pending.done.done():
                        pending.done.set_exception(exc)
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _write(self, records: list[DeliveryRecord]) -> list[bool | Exception]:
        """Each record's outcome: True new, False duplicate, or the error its caller gets."""
        first = _first_of_their_key(records)
        candidates = [r for r, f in zip(records, first, strict=True) if f]
        insert = query("record_webhook_deliveries")
        # One statement commits on its own: no BEGIN and COMMIT round trips per batch. The rare
        # duplicates' rows follow in a second statement; if that one fails, only the duplicates'
        # callers get the error (the new rows are committed and answered as new), and their
        # retries are recorded as the duplicates they are.
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(insert, self.source, *columns(candidates))
            new, duplicates = _sort_out(records, first, {row["delivery_key"] for row in rows})
            outcome: list[bool | Exception] = list(new)
            if duplicates:
                try:
                    await conn.execute(insert, self.source, *columns(duplicates))
                except CONNECTION_LOST as exc:
                    log.error("inbox.duplicates_not_recorded", source=self.source, error=str(exc))
                    outcome = [exc if new is False else new for new in outcome]
        return outcome
