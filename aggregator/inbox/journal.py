"""Record one delivery at a time, on the connection given, then finish it after the work.

For deliveries whose work is done in a transaction of their own (a courier's status, a bank
transfer): the delivery is stored as 'received' (on a pool, so it stays even if the work fails, or
on the work's own connection, so both commit together) and finished with what came of it. The row
and the duplicate rule are the batched recorder's: the same record type and the same statement.
"""

from __future__ import annotations

import asyncpg

from aggregator.inbox.records import DeliveryRecord, as_duplicate, columns
from aggregator.runtime.db import Connection
from schema.enums import DeliveryStatus
from schema.queries import query

Database = asyncpg.Pool | Connection


class DeliveryJournal:
    """`DeliveryJournal(pool_or_connection, source)`: `open(r)`, then `finish_webhook_delivery`."""

    def __init__(self, db: Database, source: str) -> None:
        self.db, self.source = db, source  # webhook_deliveries.source: 'courier:ghn', 'payments'

    async def record(self, record: DeliveryRecord) -> bool:
        """A delivery finished as it lands (refused, rejected): True if new."""
        return await self.open(record) is not None

    async def open(self, record: DeliveryRecord) -> int | None:
        """Its row's id, to finish later; None if its key is stored already: then it is recorded
        again as a duplicate, and the caller acknowledges without doing the work twice."""
        insert = query("record_webhook_deliveries")
        row = await self.db.fetchrow(insert, self.source, *columns([record]))
        if row is not None:
            return int(row["id"])
        await self.db.execute(insert, self.source, *columns([as_duplicate(record)]))
        return None


async def finish_webhook_delivery(
    db: Database,
    delivery_id: int,
    status: DeliveryStatus,
    *,
    tenant_id: int | None,
    error: str | None = None,
) -> None:
    """What came of an opened delivery; a rejected one gives up its key so a retry is taken."""
    await db.execute(query("finish_webhook_delivery"), delivery_id, status.value, error, tenant_id)
