"""Record every webhook delivery, batched: many concurrent requests share one INSERT.

A request hands its record over and waits for the commit (so it acknowledges only what is stored);
the writer takes whatever has queued up meanwhile. A verified delivery whose key is already stored
is recorded again as a duplicate (without the key), and the caller learns it is not new.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import structlog

from aggregator.runtime.db import CONNECTION_LOST
from schema.enums import DeliveryStatus
from schema.queries import query

log = structlog.get_logger()
SOURCE = "facebook"
KEPT_HEADERS = ("content-type", "content-length", "user-agent", "x-forwarded-for")


def sanitise_headers(headers: Any) -> dict[str, str]:
    """Only harmless headers are stored: never cookies, authorisation or signatures."""
    return {name: str(headers[name])[:300] for name in KEPT_HEADERS if name in headers}


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    body: bytes
    headers: dict[str, str]
    verified: bool
    status: DeliveryStatus
    tenant_id: int | None = None
    delivery_key: str | None = None
    verification_error: str | None = None
    error: str | None = None


@dataclass
class _Pending:
    record: DeliveryRecord
    done: asyncio.Future[bool] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


def _columns(records: list[DeliveryRecord]) -> list[list[object]]:
    return [
        [r.tenant_id for r in records],
        [r.delivery_key for r in records],
        [r.verified for r in records],
        [r.verification_error for r in records],
        [r.headers for r in records],
        [r.body for r in records],
        [r.status.value for r in records],
        [r.error for r in records],
    ]


def _as_duplicate(record: DeliveryRecord) -> DeliveryRecord:
    return DeliveryRecord(
        body=record.body,
        headers=record.headers,
        verified=True,
        status=DeliveryStatus.DUPLICATE,
        tenant_id=record.tenant_id,
        error=f"duplicate of delivery {record.delivery_key}",
    )


class DeliveryRecorder:
    """`async with DeliveryRecorder(pool)`; `await record(r)`: True if new, False if duplicate."""

    def __init__(
        self, pool: asyncpg.Pool, batch_size: int = 500, writers: int = 2, source: str = SOURCE
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
        pending = _Pending(record)
        await self._queue.put(pending)
        return await pending.done

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.batch_size and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                outcome = await self._write([p.record for p in batch])
                for pending, is_new in zip(batch, outcome, strict=True):
                    if not pending.done.done():
                        pending.done.set_result(is_new)
            except CONNECTION_LOST as exc:  # record() callers get it; the writer carries on
                log.error("facebook.delivery_record_failed", size=len(batch), error=str(exc))
                for pending in batch:
                    if not pending.done.done():
                        pending.done.set_exception(exc)
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _write(self, records: list[DeliveryRecord]) -> list[bool]:
        seen: set[str] = set()
        first: list[bool] = []
        for r in records:  # a key twice in one batch: the second is a duplicate already
            keyed = r.verified and r.delivery_key is not None
            first.append(not keyed or r.delivery_key not in seen)
            if keyed and r.delivery_key is not None:
                seen.add(r.delivery_key)
        candidates = [r for r, f in zip(records, first, strict=True) if f]
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                query("record_webhook_deliveries"), self.source, *_columns(candidates)
            )
            stored = {row["delivery_key"] for row in rows}
            outcome = [
                f and (not r.verified or r.delivery_key is None or r.delivery_key in stored)
                for r, f in zip(records, first, strict=True)
            ]
            duplicates = [
                _as_duplicate(r) for r, new in zip(records, outcome, strict=True) if not new
            ]
            if duplicates:
                await conn.execute(
                    query("record_webhook_deliveries"), self.source, *_columns(duplicates)
                )
        return outcome
