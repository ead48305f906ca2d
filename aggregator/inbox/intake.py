"""Deliveries and their events committed together: one transaction per batch.

The webhook hot path used to hand a delivery's record to the delivery recorder and its comments to
the ingest queue, and wait for both: two writers, two commits (two WAL flushes) per batch, and a
future, a queue item and a marker per request between the request and each writer. Here a request
queues its record and its events once and waits for one future; the writer takes whatever has
queued up meanwhile and, in ONE transaction, records the deliveries (the duplicates as
duplicates), parses and stores their events, commits, and only then enqueues the merge work. An
acknowledged delivery is a stored one, and it is never stored without its comments or the
comments without it. A batch that fails is written again whole (a Postgres restart); if it still
cannot be stored, every request in it is answered 503 and the platform retries: nothing of it was
committed, so the retry is taken as new.

A commit waits for its WAL flush (0.7 ms to 4 ms measured here), and a batch's statements wait
for Postgres and for this busy event loop. So two writers take turns: one takes the next batch
and runs its statements while the other waits for its commit. The turn covers taking a batch
and running its statements, so batches still take their ids and claim their keys in the order
they arrived; only the flushes overlap. A delivery in both batches (a platform's quick retry)
waits on the first one's row until it commits, and is then recorded as the duplicate it is.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import asyncpg
import structlog

from aggregator.errors import ServiceUnavailableError
from aggregator.inbox.deliveries import record_batch
from aggregator.inbox.queued_writer import QueuedWriter
from aggregator.inbox.records import DeliveryRecord
from aggregator.ingest.pipeline import Event, Ingestor
from aggregator.ingest.store import CommentKey, StoreResult, store_events
from aggregator.runtime.db import CONNECTION_LOST, Connection
from schema.queries import query

log = structlog.get_logger()

# A batch closes at this many deliveries or events, whichever comes first: one statement of
# comments stays the size the ingest writer uses (a delivery may carry up to 1000 changes).
MAX_DELIVERIES, MAX_EVENTS = 500, 2_000
WRITE_ATTEMPTS, RETRY_DELAY_S = 4, 0.2  # ~1.4 s of waiting: a restart, not an outage
WRITERS = 2  # one running its batch's statements while the other waits for its commit


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


class Intake(QueuedWriter[_Taken]):
    """`async with Intake(pool, source, ingestor)`; `await intake.take(record, events)`: True if
    the delivery is new (`taken`: and what the store read). The ingestor lends its catalogues,
    its arq pool and its figures."""

    def __init__(self, pool: asyncpg.Pool, source: str, ingestor: Ingestor) -> None:
        super().__init__(f"{source}-intake", tasks=WRITERS)
        self.pool, self.source, self.ingestor = pool, source, ingestor
        self._turn = asyncio.Lock()  # taking a batch and running its statements, one at a time

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
            # The turn is waited for with work in hand, never held while waiting for work: a
            # batch being retried must be able to take it back.
            turn = _Turn(self._turn)
            try:
                await turn.take()
            except BaseException:  # stopped: the request in hand is answered 503
                if not first.done.done():  # unless its request went away already
                    first.done.set_exception(ServiceUnavailableError("the intake stopped"))
                self._queue.task_done()
                raise
            batch = self._next_batch(first)
            try:
                await self._write_with_retry(batch, turn)
            except Exception as exc:  # the callers answer 503; the writer must outlive any batch
                log.error(
                    "inbox.intake_failed", source=self.source, size=len(batch), error=str(exc)
                )
                for taken in batch:
                    if not taken.done.done():
                        taken.done.set_exception(
                            ServiceUnavailableError("the delivery could not be stored")
                        )
            finally:
                turn.give_back()
                for _ in batch:
                    self._queue.task_done()

    async def _write_with_retry(self, batch: list[_Taken], turn: _Turn) -> None:
        """Through a Postgres restart, as the ingest writer does: nothing of a failed attempt was
        committed, so the batch is written again whole; the last failure reaches the callers."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                await self._write(batch, turn)
                return
            except CONNECTION_LOST as exc:
                if attempt == WRITE_ATTEMPTS:
                    raise
                log.warning(
                    "inbox.intake_retry", source=self.source, attempt=attempt, error=str(exc)
                )
                await asyncio.sleep(RETRY_DELAY_S * 2 ** (attempt - 1))

    async def _write(self, batch: list[_Taken], turn: _Turn) -> None:
        """The batch's statements in its turn (taken again on a retry), its commit after it."""
        events = [e for taken in batch for e in taken.events]
        committed = False
        try:
            async with self.pool.acquire() as conn:
                outcome, result = await self._stage(conn, batch, events, turn)
                await conn.execute("COMMIT")
                committed = True
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
        self, conn: Connection, batch: list[_Taken], events: list[Event], turn: _Turn
    ) -> tuple[list[bool], StoreResult | None]:
        """The batch's statements, in its turn, in a transaction left open for its commit. The
        transaction is begun and both key claims made in one round trip (a failed COMMIT or a
        dropped connection ends it on the server; the pool's reset rolls back what is left)."""
        await turn.take()
        try:
            await conn.execute(query("begin_intake_transaction"))
            records = [t.record for t in batch]
            outcome = await record_batch(conn, self.source, records, keys_claimed=True)
            result = None
            if events:
                result = await store_events(conn, self.ingestor.catalogs, events, keys_claimed=True)
        except BaseException:
            await _roll_back(conn)
            raise
        finally:
            turn.give_back()
        return outcome, result

    @staticmethod
    def _answer(batch: list[_Taken], outcome: list[bool], result: StoreResult | None) -> None:
        """Answered before the merge work is enqueued: the deliveries are committed, and the
        sweeper enqueues what a failed enqueue leaves."""
        phones = result.phones if result is not None else {}
        for taken, is_new in zip(batch, outcome, strict=True):
            if not taken.done.done():
                taken.done.set_result(Taken(is_new, phones))


class _Turn:
    """One batch's hold on the intake's turn: from taking the batch to the end of its statements,
    given back before its commit (or its retry's wait) and taken again for a retry."""

    def __init__(self, lock: asyncio.Lock) -> None:
        self._lock, self._held = lock, False

    async def take(self) -> None:
        if not self._held:
            await self._lock.acquire()
            self._held = True

    def give_back(self) -> None:
        if self._held:
            self._held = False
            self._lock.release()


async def _roll_back(conn: Connection) -> None:
    with contextlib.suppress(Exception):  # a lost connection has nothing left to roll back
        await conn.execute("ROLLBACK")
