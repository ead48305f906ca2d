"""The one entry point every connector uses: a bounded queue and a batch writer.

`submit()` waits when the queue is full, so a flood of comments slows its producers down instead of
growing memory. The writer takes up to `batch_size` events, or whatever arrived within `flush_s`
of the first, parses them, stores them in one transaction, and only after the commit enqueues
merge work for the sessions touched.

`store()` is for callers that acknowledge to a sender (webhooks, the relay): it waits until the
events are committed, so an answer of 200 never covers comments still in memory that a crash of
the process would lose; the sender retries what was not acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
import structlog
from arq.connections import ArqRedis

from aggregator.errors import ServiceUnavailableError
from aggregator.ingest.buckets import RecentJobs
from aggregator.ingest.catalogs import CatalogCache
from aggregator.ingest.merge_jobs import enqueue_merges
from aggregator.ingest.platform_order_jobs import enqueue_platform_orders
from aggregator.ingest.store import StoreResult, store_batch
from aggregator.runtime.db import CONNECTION_LOST
from schema.events import CommentEvent, PlatformOrderEvent

log = structlog.get_logger()
Event = CommentEvent | PlatformOrderEvent


@dataclass(frozen=True, slots=True)
class _Stored:
    """Queued after a caller's events: resolved once everything before it is committed."""

    done: asyncio.Future[None]
    failures_before: int


HIGH_WATER = 0.8


@dataclass(frozen=True, slots=True)
class IngestConfig:
    queue_size: int = 20_000
    batch_size: int = 2_000
    flush_s: float = 0.005
    write_attempts: int = 5
    retry_delay_s: float = 0.2


@dataclass
class IngestStats:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    orphaned: int = 0
    batches: int = 0
    merge_jobs: int = 0
    failed_batches: int = 0
    enqueue_failures: int = 0  # batches stored whose merge jobs Redis refused (swept later)


class Ingestor:
    """Start with `async with Ingestor(...)`; leaving the block flushes everything submitted."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        arq: ArqRedis,
        config: IngestConfig | None = None,
        catalogs: CatalogCache | None = None,
    ) -> None:
        self.pool, self.arq = pool, arq
        self.config = config or IngestConfig()
        self.catalogs = catalogs or CatalogCache()
        self.stats = IngestStats()
        # The merge jobs asked for in the current bucket: batches commit every few milliseconds
        # for the same shards, and Redis need not be asked again (buckets.RecentJobs).
        self._recent_merges = RecentJobs()
        self._queue: asyncio.Queue[Event | _Stored] = asyncio.Queue(self.config.queue_size)
        self._writer: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Ingestor:
        self._writer = asyncio.create_task(self._run(), name="ingest-writer")
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.drain()
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer

    @property
    def saturated(self) -> bool:
        """The queue is at its high-water mark: the web process refuses new deliveries (503) so
        that requests already reading keep the room they need, and memory stays bounded."""
        return self._queue.qsize() >= self.config.queue_size * HIGH_WATER

    async def submit(self, event: Event) -> None:
        """Hand one event over; waits (back-pressure) while the queue is full."""
        self.stats.received += 1
        await self._queue.put(event)

    async def submit_many(self, events: Sequence[Event]) -> None:
        for event in events:
            await self.submit(event)

    async def store(self, events: Sequence[Event]) -> None:
        """Hand the events over and wait until they are stored; ServiceUnavailableError if a
        batch failed meanwhile (the caller answers 503 and the sender retries: storing again
        is harmless)."""
        if not events:
            return
        # Counted before submitting: a batch holding these events may fail while submit_many
        # still waits for room, and that failure must reach this caller.
        failures_before = self.stats.failed_batches
        await self.submit_many(events)
        marker = _Stored(asyncio.get_running_loop().create_future(), failures_before)
        await self._queue.put(marker)
        await marker.done

    async def drain(self) -> None:
        """Wait until everything submitted so far is stored (or failed and logged)."""
        await self._queue.join()

    async def _next_batch(self) -> list[Event | _Stored]:
        batch = [await self._queue.get()]
        deadline = time.monotonic() + self.config.flush_s
        while len(batch) < self.config.batch_size:
            try:
                batch.append(self._queue.get_nowait())
                continue
            except asyncio.QueueEmpty:
                pass
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(self._queue.get(), remaining))
            except TimeoutError:
                break
        return batch

    async def _run(self) -> None:
        while True:
            batch = await self._next_batch()
            markers = [item for item in batch if isinstance(item, _Stored)]
            events = [item for item in batch if not isinstance(item, _Stored)]
            written = False
            try:
                if events:
                    await self._write_with_retry(events)
                written = True
            finally:  # a cancelled write counts as a failed one for those waiting on it
                for marker in markers:
                    _resolve(marker, self.stats.failed_batches + (not written))
                for _ in batch:
                    self._queue.task_done()

    async def _write_with_retry(self, batch: list[Event]) -> None:
        """Retry a batch through a Postgres restart; storing twice is harmless (ON CONFLICT)."""
        for attempt in range(1, self.config.write_attempts + 1):
            try:
                await self._write(batch)
                return
            except CONNECTION_LOST as exc:
                log.warning("ingest.batch_retry", attempt=attempt, error=str(exc))
                await asyncio.sleep(self.config.retry_delay_s * 2 ** (attempt - 1))
        # Still failing: the raw webhook deliveries and the pollers' cursors keep what was sent.
        self.stats.failed_batches += 1
        log.error("ingest.batch_failed", size=len(batch))

    async def _write(self, batch: list[Event]) -> None:
        await self.after_commit(await store_batch(self.pool, self.catalogs, batch))

    async def after_commit(self, result: StoreResult) -> None:
        """A committed batch, whoever wrote it (this writer, or the webhook intake in its own
        transaction): count it, then enqueue its merge work."""
        self.stats.batches += 1
        self.stats.stored += result.stored
        self.stats.duplicates += result.duplicates
        self.stats.orphaned += result.orphaned
        log.debug("ingest.batch_stored", stored=result.stored, duplicates=result.duplicates)
        try:
            if result.session_ids:
                self.stats.merge_jobs += await enqueue_merges(
                    self.arq, result.session_ids, recent=self._recent_merges
                )
            if result.platform_channel_ids:
                await enqueue_platform_orders(self.arq, result.platform_channel_ids)
        except Exception as exc:
            # Stored and committed all the same: a Redis error must neither fail the batch (its
            # senders would be answered 503 for comments we keep) nor end the writer (every later
            # store() would wait forever). The sweeper enqueues what stays pending.
            self.stats.enqueue_failures += 1
            log.error("ingest.enqueue_failed", sessions=len(result.session_ids), error=str(exc))


def _resolve(marker: _Stored, failures: int) -> None:
    if marker.done.done():  # the waiting request was cancelled (its client went away)
        return
    if failures > marker.failures_before:
        marker.done.set_exception(ServiceUnavailableError("comments could not be stored"))
    else:
        marker.done.set_result(None)
