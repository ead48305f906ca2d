"""The inbox's shared rules hold whichever recorder writes the row (the batched one of the hot
path, or the journal of deliveries applied in a transaction): only harmless headers are kept, a
verified key is stored once and a repeat is recorded as a duplicate without it, an unproven
delivery never claims a key, and a delivery refused after it was opened gives its key back."""

from __future__ import annotations

import asyncio

import asyncpg
from arq.connections import ArqRedis

from aggregator.errors import ServiceUnavailableError
from aggregator.inbox.deliveries import DeliveryRecorder
from aggregator.inbox.intake import Intake
from aggregator.inbox.journal import DeliveryJournal, finish_webhook_delivery
from aggregator.inbox.records import DeliveryRecord, Inbound, Recorder
from aggregator.ingest.pipeline import Ingestor
from aggregator.runtime.metrics import INTAKE_STAGES, REGISTRY
from schema.enums import DeliveryStatus

HEADERS = {"content-type": "application/json", "authorization": "Bearer s3cret",
           "cookie": "session=s3cret", "x-hub-signature-256": "sha256=s3cret"}  # fmt: skip
INBOUND = Inbound.of(b'{"id": 1}', HEADERS)
FORGED = DeliveryRecord(INBOUND.body, INBOUND.headers, False, DeliveryStatus.REJECTED,
                        delivery_key="k1", verification_error="wrong signature")  # fmt: skip


async def _walk(recorder: Recorder) -> list[bool]:
    return [
        await recorder.record(FORGED),  # unproven: stored, but its key claims nothing
        await recorder.record(INBOUND.accepted("k1", None)),
        await recorder.record(INBOUND.accepted("k1", None)),
        await recorder.record(INBOUND.refused("malformed")),
    ]


async def _rows(db: asyncpg.Connection, source: str) -> list[tuple[object, ...]]:
    rows = await db.fetch(
        "SELECT delivery_key, verified, verification_error, headers, status, error, "
        "processed_at IS NOT NULL AS done FROM webhook_deliveries WHERE source = $1 ORDER BY id",
        source,
    )
    return [tuple(r) for r in rows]


async def test_both_recorders_store_the_same_rows_by_the_same_rules(
    pool: asyncpg.Pool, db: asyncpg.Connection
) -> None:
    async with DeliveryRecorder(pool, "batched") as batched:
        assert await _walk(batched) == [True, True, False, True]
    assert await _walk(DeliveryJournal(pool, "single")) == [True, True, False, True]
    kept = {"content-type": "application/json"}
    assert await _rows(db, "batched") == await _rows(db, "single") == [
        ("k1", False, "wrong signature", kept, "rejected", None, True),
        ("k1", True, None, kept, "processed", None, True),
        (None, True, None, kept, "duplicate", "duplicate of delivery k1", True),
        (None, True, None, kept, "rejected", "malformed", True),
    ]  # fmt: skip


class _Taking:
    """The intake of the webhook hot path, walked as a recorder: records without events."""

    def __init__(self, intake: Intake) -> None:
        self.intake, self.source = intake, intake.source

    async def record(self, record: DeliveryRecord) -> bool:
        return await self.intake.take(record, ())


async def test_the_intake_claims_keys_in_its_statement_by_the_same_rules(
    pool: asyncpg.Pool, db: asyncpg.Connection, arq_pool: ArqRedis
) -> None:
    async with Ingestor(pool, arq_pool) as ingestor, Intake(pool, "taken", ingestor) as intake:
        assert await _walk(_Taking(intake)) == [True, True, False, True]
        # A key twice in one batch, and a key the trigger's writers stored: duplicates both.
        twice = [intake.take(INBOUND.accepted("k2", None), ()) for _ in range(2)]
        assert sorted(await asyncio.gather(*twice)) == [False, True]
        async with DeliveryRecorder(pool, "taken") as batched:
            assert await batched.record(INBOUND.accepted("k3", None))
            assert not await batched.record(INBOUND.accepted("k2", None))
        assert not await intake.take(INBOUND.accepted("k3", None), ())
    async with DeliveryRecorder(pool, "batched") as batched:
        await _walk(batched)
    assert [r[1:] for r in await _rows(db, "taken")][:4] == [
        r[1:] for r in await _rows(db, "batched")
    ]
    keys = await db.fetch(
        "SELECT k.delivery_key, d.status FROM webhook_delivery_keys k "
        "JOIN webhook_deliveries d ON d.id = k.delivery_id AND d.received_at = k.received_at "
        "WHERE k.source = 'taken' ORDER BY k.delivery_key"
    )
    assert [tuple(k) for k in keys] == [("k1", "processed"), ("k2", "processed"),
                                        ("k3", "processed")]  # fmt: skip
    statuses = await db.fetch(
        "SELECT status, count(*) FROM webhook_deliveries WHERE source = 'taken' GROUP BY status"
    )
    assert {r["status"]: r["count"] for r in statuses} == {
        "processed": 3,
        "duplicate": 4,
        "rejected": 2,
    }


async def test_a_delivery_refused_after_it_was_opened_gives_its_key_back(
    pool: asyncpg.Pool, db: asyncpg.Connection
) -> None:
    journal = DeliveryJournal(pool, "courier:test")
    received = INBOUND.accepted("parcel-1", None, status=DeliveryStatus.RECEIVED)
    first = await journal.open(received)
    assert first is not None
    assert await db.fetchval("SELECT processed_at FROM webhook_deliveries") is None
    await finish_webhook_delivery(
        pool, first, DeliveryStatus.REJECTED, tenant_id=None, error="unknown"
    )
    second = await journal.open(received)  # the courier's retry, once the parcel is known
    assert second is not None and second != first
    await finish_webhook_delivery(pool, second, DeliveryStatus.PROCESSED, tenant_id=None)
    assert await journal.open(received) is None  # now a duplicate
    assert await _rows(db, "courier:test") == [
        (None, True, None, {"content-type": "application/json"}, "rejected", "unknown", True),
        ("parcel-1", True, None, {"content-type": "application/json"}, "processed", None, True),
        (None, True, None, {"content-type": "application/json"}, "duplicate",
         "duplicate of delivery parcel-1", True),
    ]  # fmt: skip


async def test_an_intake_batch_that_cannot_be_stored_is_refused_whole_and_the_writer_goes_on(
    pool: asyncpg.Pool, db: asyncpg.Connection, arq_pool: ArqRedis
) -> None:
    async with Ingestor(pool, arq_pool) as ingestor, Intake(pool, "taken", ingestor) as intake:
        no_such_tenant = INBOUND.accepted("k-bad", 10**9)  # its foreign key fails every attempt
        good = INBOUND.accepted("k-good", None)
        answers = await asyncio.gather(
            intake.take(no_such_tenant, ()), intake.take(good, ()), return_exceptions=True
        )  # one batch: both answered 503
        assert [type(a) for a in answers] == [ServiceUnavailableError] * 2
        assert await db.fetchval("SELECT count(*) FROM webhook_deliveries") == 0
        assert await db.fetchval("SELECT count(*) FROM webhook_delivery_keys") == 0
        assert await intake.take(good, ())  # the retry is new: nothing of the batch was kept


async def test_two_intake_writers_keep_the_order_deliveries_arrived_in(
    pool: asyncpg.Pool, db: asyncpg.Connection, arq_pool: ArqRedis
) -> None:
    """One writer runs a batch's statements while the other waits for its commit: batches still
    take their ids in arrival order, and a key sent again while its first copy is being committed
    is recorded once and then as a duplicate."""
    keys = [f"w{i:03d}" for i in range(300)]
    async with Ingestor(pool, arq_pool) as ingestor, Intake(pool, "taken", ingestor) as intake:
        answers = []
        for wave in range(0, len(keys), 30):  # waves: several batches in flight at once
            answers.append(
                asyncio.gather(
                    *(intake.take(INBOUND.accepted(k, None), ()) for k in keys[wave : wave + 30])
                )
            )
            await asyncio.sleep(0)
        again = intake.take(INBOUND.accepted("w000", None), ())
        news = [n for wave in await asyncio.gather(*answers) for n in wave]
        assert news == [True] * len(keys)
        assert not await again
    stored = await db.fetch(
        "SELECT delivery_key, status FROM webhook_deliveries WHERE source = 'taken' ORDER BY id"
    )
    assert [r["delivery_key"] for r in stored[: len(keys)]] == keys
    assert [tuple(r) for r in stored[len(keys) :]] == [(None, "duplicate")]


def _sample(name: str, **labels: str) -> float:
    """A sample of the process's registry so far (0 before its first observation)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _intake_counts(source: str) -> list[float]:
    stages = [
        _sample("chotdon_intake_stage_seconds_count", source=source, stage=stage)
        for stage in INTAKE_STAGES
    ]
    return [*stages, _sample("chotdon_intake_batch_deliveries_sum", source=source)]


async def test_each_intake_batch_is_timed_by_stage_for_metrics(
    pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    """Every batch observes each of its stages once, and its deliveries, under its source."""
    before = _intake_counts("timed")
    async with Ingestor(pool, arq_pool) as ingestor, Intake(pool, "timed", ingestor) as intake:
        taken = await asyncio.gather(
            *(intake.take(INBOUND.accepted(f"t{i}", None), ()) for i in range(5))
        )
    assert taken == [True] * 5
    grew = [a - b for a, b in zip(_intake_counts("timed"), before, strict=True)]
    batches = grew[0]
    assert 1 <= batches <= 5
    assert grew[:-1] == [batches] * len(INTAKE_STAGES)
    assert grew[-1] == 5  # deliveries over all its batches


async def test_deliveries_that_arrive_together_are_stored_in_batches_of_at_most_32(
    pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    """A wave of requests is not taken whole: part of it is answered while the rest is stored."""

    def batches() -> tuple[float, float]:
        """(batches so far, batches of at most 32 deliveries so far)."""
        return (
            _sample("chotdon_intake_batch_deliveries_count", source="capped"),
            _sample("chotdon_intake_batch_deliveries_bucket", source="capped", le="32.0"),
        )

    before = batches()
    async with Ingestor(pool, arq_pool) as ingestor, Intake(pool, "capped", ingestor) as intake:
        taken = await asyncio.gather(
            *(intake.take(INBOUND.accepted(f"c{i}", None), ()) for i in range(100))
        )
    assert taken == [True] * 100
    count, within_32 = (a - b for a, b in zip(batches(), before, strict=True))
    assert count >= 4  # 100 deliveries, at most 32 a batch
    assert within_32 == count  # every batch in the histogram's buckets up to 32
