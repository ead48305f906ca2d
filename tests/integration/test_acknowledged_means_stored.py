"""An acknowledged delivery is a stored one: the answer waits for the comments' commit, and a
retry of a delivery recorded by a process that died before storing its comments stores them."""

from __future__ import annotations

import time

import asyncpg

from aggregator.inbox.deliveries import DeliveryRecorder
from aggregator.inbox.records import DeliveryRecord
from aggregator.settings import Settings
from connectors.relay.signature import delivery_key
from schema.enums import DeliveryStatus
from tests.integration.test_relay import batch, post, seed_relay, signed
from tests.support.facebook import app_client
from tests.support.platforms import platform_settings


async def test_the_answer_comes_after_the_comments_are_committed(
    settings: Settings, db: asyncpg.Connection
) -> None:
    relay = await seed_relay(db, settings)
    async with app_client(platform_settings(settings)) as client:
        for start in range(0, 600, 200):
            body = batch(200, start)
            status, _ = await post(client, relay.url, body, signed(body))
            assert status == 202
            # no drain: what was acknowledged is already in the table
            assert await db.fetchval("SELECT count(*) FROM comments") == start + 200


async def test_a_retry_of_a_delivery_recorded_before_a_crash_stores_its_comments(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    relay = await seed_relay(db, settings)
    body, stamp = batch(50), int(time.time())
    # The first attempt got as far as recording the delivery, then the process was killed.
    async with DeliveryRecorder(pool, source="relay") as recorder:
        assert await recorder.record(
            DeliveryRecord(
                body=body, headers={}, verified=True, status=DeliveryStatus.PROCESSED,
                delivery_key=delivery_key(relay.channel, stamp, body),
            )
        )  # fmt: skip
    assert await db.fetchval("SELECT count(*) FROM comments") == 0
    async with app_client(platform_settings(settings)) as client:
        status, answer = await post(client, relay.url, body, signed(body, at=stamp))
    assert (status, answer["duplicate"]) == (200, True)
    assert await db.fetchval("SELECT count(*) FROM comments") == 50
