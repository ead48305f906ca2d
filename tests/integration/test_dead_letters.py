"""Dead letters: a verified delivery chotdon cannot read is kept whole, counted in /metrics, and
`replay_unreadable` reads it again after an upgrade; replaying twice changes nothing."""

from __future__ import annotations

import asyncpg
import orjson
from aiohttp.test_utils import TestClient, TestServer

from aggregator.inbox.journal import DeliveryJournal
from aggregator.inbox.records import Inbound
from aggregator.inbox.replay import Replayed, StoredDelivery, replay_unreadable
from aggregator.settings import Settings
from aggregator.web.app import create_app
from schema.enums import DeliveryStatus
from tests.support.processes import cli_env, run_cli

SOURCE = "dead-letter-test"


async def read_json(delivery: StoredDelivery) -> Replayed:
    """A source that learnt to read JSON bodies: what it reads is processed, the rest stays."""
    try:
        orjson.loads(delivery.body)
    except orjson.JSONDecodeError as exc:
        return Replayed(DeliveryStatus.UNREADABLE, f"still not JSON: {exc}")
    return Replayed(DeliveryStatus.PROCESSED)


async def _keep(pool: asyncpg.Pool, source: str, body: bytes) -> None:
    inbound = Inbound.of(body, {"content-type": "application/json", "x-hub-signature": "s"})
    await DeliveryJournal(pool, source).record(inbound.unreadable("unknown event type"))


async def _rows(db: asyncpg.Connection) -> list[tuple[object, ...]]:
    rows = await db.fetch(
        "SELECT source, body, status, replays, headers FROM webhook_deliveries ORDER BY id"
    )
    return [(r["source"], bytes(r["body"]), r["status"], r["replays"]) for r in rows]


async def test_dead_letters_are_kept_whole_then_read_once_by_a_replay(
    pool: asyncpg.Pool, db: asyncpg.Connection
) -> None:
    await _keep(pool, SOURCE, b'{"event": "new_kind"}')
    await _keep(pool, SOURCE, b"\x00not json")
    await _keep(pool, "nobody-reads-this", b"{}")
    headers = await db.fetchval("SELECT headers FROM webhook_deliveries LIMIT 1")
    assert "x-hub-signature" not in headers  # kept whole, secrets excepted

    first = await replay_unreadable(pool, {SOURCE: read_json})
    assert (first.read, first.unreadable) == ({SOURCE: 1}, {SOURCE: 1})
    assert first.no_replayer == {"nobody-reads-this": 1}
    after_first = await _rows(db)
    assert after_first == [
        (SOURCE, b'{"event": "new_kind"}', "processed", 1),
        (SOURCE, b"\x00not json", "unreadable", 1),
        ("nobody-reads-this", b"{}", "unreadable", 0),
    ]
    second = await replay_unreadable(pool, {SOURCE: read_json}, source=SOURCE)
    assert (second.read, second.unreadable, second.no_replayer) == ({}, {SOURCE: 1}, {})
    after_second = await _rows(db)
    assert after_second[0] == after_first[0]  # what was read is never processed again
    assert after_second[1][2:] == ("unreadable", 2)


async def test_metrics_count_the_dead_letters_of_every_source(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    for body in (b"a", b"b"):
        await _keep(pool, SOURCE, body)
    async with TestClient(TestServer(create_app(settings))) as client:
        text = await (await client.get("/metrics")).text()
    assert f'chotdon_unreadable_deliveries{{source="{SOURCE}"}} 2.0' in text


async def test_the_replay_command_reads_every_source_and_says_what_is_left(
    pool: asyncpg.Pool, database_url: str, redis_url: str
) -> None:
    await _keep(pool, "payments", b'{"transaction_id": "t1", "amount": "lots"}')
    await _keep(pool, SOURCE, b"{}")
    env = cli_env(DATABASE_URL=database_url, REDIS_URL=redis_url, CHOTDON_APP_SECRET="x" * 32)
    done = run_cli("deliveries", "replay", env=env, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == [
        f"{SOURCE}: 0 read, 0 still unreadable, 1 with no replayer yet",
        "payments: 0 read, 1 still unreadable, 0 with no replayer yet",
    ]
