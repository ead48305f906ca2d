"""A platform's inbox: its delivery recorder, and the ingest queue its events go on to.

Platforms hand events to the order flow through here. The answer waits until both the delivery
and its events are committed, so an acknowledged delivery is never only in memory. With an
Intake (the Facebook route), `take` commits the two in one transaction (inbox/intake.py). Without
one, it writes the two at once (two batch writers, two commits running side by side) instead of
one after the other: the sender waits for the slower, not for the sum. Either may land without
the other if the process dies in between; then nothing was acknowledged, and the retry completes it:
a delivery already recorded is a duplicate whose events are stored anyway (storing them twice is
harmless, ON CONFLICT), and events already stored store nothing new.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aggregator.inbox.deliveries import DeliveryRecorder
from aggregator.inbox.intake import Intake, Taken
from aggregator.inbox.records import DeliveryRecord
from aggregator.ingest.pipeline import Event, Ingestor


@dataclass(frozen=True, slots=True)
class Inbox:
    recorder: DeliveryRecorder
    ingestor: Ingestor
    intake: Intake | None = None

    @property
    def source(self) -> str:
        return self.recorder.source

    async def record(self, record: DeliveryRecord) -> bool:
        """Only the record (refusals, or work to do between record and hand-on): True if new."""
        return await self.recorder.record(record)

    async def hand_on(self, events: Sequence[Event]) -> None:
        """Store the events; returns once they are committed."""
        await self.ingestor.store(events)

    async def take(self, record: DeliveryRecord, events: Sequence[Event]) -> bool:
        """True if the delivery is new; see `taken`."""
        return (await self.taken(record, events)).new

    async def taken(self, record: DeliveryRecord, events: Sequence[Event]) -> Taken:
        """With an intake, the record and the events in one transaction of one writer (and what
        the store read of them). Without: record the delivery and store its events (a
        duplicate's too), side by side; returns once both are committed. The record is queued
        first and awaited last, so an error from either reaches the caller only after both are
        done."""
        if self.intake is not None:
            return await self.intake.taken(record, events)
        recorded = self.recorder.submit(record)
        try:
            await self.hand_on(events)
        finally:
            new = await recorded
        return Taken(new)
