"""Deliveries and their events committed together: one transaction per batch.

The webhook hot path used to hand a delivery's record to the delivery recorder and its comments to
the ingest queue, and wait for both: two writers, two commits (two WAL flushes) per batch, and a
future, a queue item and a marker per request between the request and each writer. Here a request
queues its record and its events once and waits for one future; the writer takes what has
queued up meanwhile (up to MAX_DELIVERIES) and, in ONE transaction, records the deliveries (the
duplicates as duplicates), parses and stores their events, commits, and only then enqueues the
merge work. An acknowledged delivery is a stored one, and it is never stored without its
comments or the comments without it. A batch that fails is written again whole (a Postgres
restart); if it still cannot be stored, every request in it is answered 503 and the platform
retries: nothing of it was committed, so the retry is taken as new.

A commit waits for its WAL flush (0.7 ms to 4 ms measured here), and every round trip of a batch
waits for Postgres and then for this busy event loop to come back to it. So a batch makes four:
its channels and lives are read (and its comments parsed) as soon as it is taken; its transaction
is begun and both key claims made; ONE statement records its deliveries and stores its comments
(insert_comments_and_deliveries); it commits. Only that statement waits for the batch taken
before it to have run its own, so batches take their ids and claim their keys in the order they
were taken from the queue, which is the order their deliveries arrived; the reads, the parsing
and the flushes overlap. A delivery in two batches (a platform's quick retry) waits on the first
one's row until it commits, and is then recorded as the duplicate it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import asyncpg
import structlog

from aggregator.errors import ServiceUnavailableError
from aggregator.inbox.deliveries import record_with_comments
from aggregator.inbox.queued_writer import QueuedWriter
from aggregator.inbox.records import DeliveryRecord
from aggregator.ingest.pipeline import Event, Ingestor
from aggregator.ingest.store import (
    CommentKey,
    PreparedEvents,
    StoreResult,
    comment_arguments,
    prepare_events,
    tally_comments,
    write_platform_orders,
)
from aggregator.runtime.db import CONNECTION_LOST, Connection
from aggregator.runtime.metrics import INTAKE_BATCH_DELIVERIES, INTAKE_STAGE_SECONDS
from schema.queries import query

log = structlog.get_logger()

# A batch closes at this many deliveries or events, whichever comes first: one statement of
# comments stays the size the ingest writer uses (a delivery may carry up to 1000 changes). Taken
# whole, the deliveries that arrived together (nearly all 64 requests in flight under the webhook
# bench) were stored as one batch while the web process idled a quarter of the time; closed at
# 32, part of them is answered and its next requests read while the rest is stored: ratio to
# unrouted 0.69-0.87 (median 0.81, 7 runs of 8 at 0.81 or more) against 0.63-0.84 (0.77), idle
# 11-16 % against 23-25 %, for about a third more Postgres CPU a delivery (87-121 µs against
# 69-97; eight pairs, README "Webhook ack").
MAX_DELIVERIES, MAX_EVENTS = 32, 2_000
WRITE_ATTEMPTS, RETRY_DELAY_S = 4, 0.2  # ~1.4 s of waiting: a restart, not an outage
# One batch reading, parsing and waiting for its place while the other runs its statement or
# commits. A third writer made batches a third smaller (15 deliveries against 24 under the
# webhook bench) and cost the web process more CPU a delivery than its overlap gave back.
WRITERS = 2


@dataclass(frozen=True, slots=True)
class Taken:
    """A delivery committed with its events: whether it is new, and the phone each comment's text
    shows as the store read it (the whole batch's, keyed by comment and text; a comment not
    there was not read)."""

    new: bool
    phones: Mapping[CommentKey, str | None] = field(default_factory=dict)


@dataclass
class _Taken:
    record: DeliveryRecord
    events: Sequence[Event]
    done: asyncio.Future[Taken] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    queued_at: float = field(default_factory=time.perf_counter)


class Intake(QueuedWriter[_Taken]):
    """`async with Intake(pool, source, ingestor)`; `await intake.take(record, events)`: True if
    the delivery is new (`taken`: and what the store read). The ingestor lends its catalogues,
    its arq pool and its figures."""

    def __init__(self, pool: asyncpg.Pool, source: str, ingestor: Ingestor) -> None:
        super().__init__(f"{source}-intake", tasks=WRITERS)
        self.pool, self.source, self.ingestor = pool, source, ingestor
        self._order = _Order()  # batches run their statements in the order they were taken

    async def take(self, record: DeliveryRecord, events: Sequence[Event]) -> bool:
        """True if the delivery is new; see `taken`."""
        return (await self.taken(record, events)).new

    async def taken(self, record: DeliveryRecord, events: Sequence[Event]) -> Taken:
        """Returns once the record and the events are committed (the queue is unbounded: the
        web layer's back-pressure bounds the requests in flight)."""
        taken = _Taken(record, events)
        self._queue.put_nowait(taken)
        return await taken.done

    def _next_batch(self, first: _Taken) -> list[_Taken]:
        batch, events = [first], len(first.events)
        while len(batch) < MAX_DELIVERIES and events < MAX_EVENTS and not self._queue.empty():
            taken = self._queue.get_nowait()
            batch.append(taken)
            events += len(taken.events)
        return batch

    async def _run(self) -> None:
        while True:
            first = await self._queue.get()
            batch = self._next_batch(first)
            place = self._order.join()  # at once: the place is the order the batch was taken in
            try:
                await self._write_with_retry(batch, place)
            except Exception as exc:  # the callers answer 503; the writer must outlive any batch
                log.error(
                    "inbox.intake_failed", source=self.source, size=len(batch), error=str(exc)
                )
                _refuse(batch, "the delivery could not be stored")
            except BaseException:  # stopped: the requests in hand are answered 503
                _refuse(batch, "the intake stopped")
                raise
            finally:
                place.leave()
                for _ in batch:
                    self._queue.task_done()

    async def _write_with_retry(self, batch: list[_Taken], place: _Place) -> None:
        """Through a Postgres restart, as the ingest writer does: nothing of a failed attempt was
        committed, so the batch is written again whole; the last failure reaches the callers. A
        retry keeps no place: the batches after it have run their statements meanwhile."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                await self._write(batch, place)
                return
            except CONNECTION_LOST as exc:
                place.leave()  # whether its reads or its statements failed
                if attempt == WRITE_ATTEMPTS:
                    raise
                log.warning(
                    "inbox.intake_retry", source=self.source, attempt=attempt, error=str(exc)
                )
                await asyncio.sleep(RETRY_DELAY_S * 2 ** (attempt - 1))

    async def _write(self, batch: list[_Taken], place: _Place) -> None:
        """The batch read and parsed, its statements in its place, its commit after them."""
        events = [e for taken in batch for e in taken.events]
        clock = _Clock(batch[0].queued_at)
        committed = False
        try:
            async with self.pool.acquire() as conn:
                clock.mark("waited")
                prepared = None
                if events:  # outside the transaction, before its place: reads only
                    prepared = await prepare_events(conn, self.ingestor.catalogs, events)
                clock.mark("read")
                outcome, result = await self._stage(conn, batch, prepared, place, clock)
                await conn.execute("COMMIT")
                committed = True
                clock.mark("commit")
                clock.observe(self.source, len(batch))
                # Answered before the pool resets the connection (a round trip on release).
                self._answer(batch, outcome, result)
        except CONNECTION_LOST as exc:
            if not committed:
                raise
            # Only the release failed (the pool replaces the connection): the batch is stored
            # and answered; writing it again would record its deliveries twice.
            log.warning("inbox.intake_release_failed", source=self.source, error=str(exc))
        if result is not None:  # merge work only after the commit, as the ingest writer does
            self.ingestor.stats.received += len(events)
            await self.ingestor.after_commit(result)

    async def _stage(
        self,
        conn: Connection,
        batch: list[_Taken],
        prepared: PreparedEvents | None,
        place: _Place,
        clock: _Clock,
    ) -> tuple[list[bool], StoreResult | None]:
        """The batch's statements, in its place, in a transaction left open for its commit. The
        transaction is begun and both key claims made in one round trip before the place is
        reached: only the statements that take ids and claim keys wait for the batch before (a
        failed COMMIT or a dropped connection ends it on the server; the pool's reset rolls back
        what is left)."""
        try:
            await conn.execute(query("begin_intake_transaction"))
            await place.reached()
            clock.mark("placed")
            records = [t.record for t in batch]
            outcome, sessions = await record_with_comments(
                conn, self.source, records, comment_arguments(prepared)
            )
            clock.mark("statement")
            result = None
            if prepared is not None:
                result = tally_comments(prepared, sessions)
                await write_platform_orders(conn, prepared, result)
        except BaseException:
            await _roll_back(conn)
            raise
        finally:
            place.leave()
        return outcome, result

    @staticmethod
    def _answer(batch: list[_Taken], outcome: list[bool], result: StoreResult | None) -> None:
        """Answered before the merge work is enqueued: the deliveries are committed, and the
        sweeper enqueues what a failed enqueue leaves."""
        phones = result.phones if result is not None else {}
        for taken, is_new in zip(batch, outcome, strict=True):
            if not taken.done.done():
                taken.done.set_result(Taken(is_new, phones))


class _Clock:
    """A batch's stages, timed for /metrics (runtime/metrics.py): each mark ends a stage."""

    def __init__(self, since: float) -> None:
        self._last = since
        self._stages: dict[str, float] = {}

    def mark(self, stage: str) -> None:
        now = time.perf_counter()
        self._stages[stage], self._last = now - self._last, now

    def observe(self, source: str, deliveries: int) -> None:
        for stage, seconds in self._stages.items():
            INTAKE_STAGE_SECONDS.labels(source, stage).observe(seconds)
        INTAKE_BATCH_DELIVERIES.labels(source).observe(deliveries)


class _Order:
    """The order batches run their statements in: each waits for the one taken before it."""

    def __init__(self) -> None:
        self._last: asyncio.Future[None] | None = None

    def join(self) -> _Place:
        place = _Place(self._last)
        self._last = place.left
        return place


class _Place:
    """One batch's place in the order: reached once the batch before it has run its statements
    (or failed, or stopped); left when its own statements are done, or it failed."""

    def __init__(self, before: asyncio.Future[None] | None) -> None:
        self._before = before
        self.left: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def reached(self) -> None:
        if self._before is not None and not self._before.done():
            await asyncio.shield(self._before)  # a stopped waiter must not cancel its forerunner

    def leave(self) -> None:
        if not self.left.done():
            self.left.set_result(None)


def _refuse(batch: list[_Taken], reason: str) -> None:
    for taken in batch:
        if not taken.done.done():  # unless its request went away already
            taken.done.set_exception(ServiceUnavailableError(reason))


async def _roll_back(conn: Connection) -> None:
    with contextlib.suppress(Exception):  # a lost connection has nothing left to roll back
        await conn.execute("ROLLBACK")
