"""A platform's inbox: its delivery recorder, and the ingest queue its events go on to.

Platforms hand events to the order flow through here. The delivery is recorded first, then its
events are stored; the answer waits for both, so an acknowledged delivery is never only in
memory. A duplicate hands its events over again: they store nothing new, unless the process died
between recording the delivery and storing them the first time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aggregator.inbox.deliveries import DeliveryRecorder
from aggregator.inbox.records import DeliveryRecord
from aggregator.ingest.pipeline import Event, Ingestor


@dataclass(frozen=True, slots=True)
class Inbox:
    recorder: DeliveryRecorder
    ingestor: Ingestor

    async def record(self, record: DeliveryRecord) -> bool:
        """Only the record (refusals, or work to do between record and hand-on): True if new."""
        return await self.recorder.record(record)

    async def hand_on(self, events: Sequence[Event]) -> None:
        """Store the events; returns once they are committed."""
        await self.ingestor.store(events)

    async def take(self, record: DeliveryRecord, events: Sequence[Event]) -> bool:
        """Record the delivery, then store its events (a duplicate's too): True if new."""
        new = await self.record(record)
        await self.hand_on(events)
        return new
