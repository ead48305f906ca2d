"""Refused (unverified) deliveries cost almost nothing: on every inbound route a request nobody
signed keeps its route, reason, size, SHA-256 and a 256-byte prefix, never the body; past a
per-address limit it is only counted; a flood of them hardly grows the database."""

from __future__ import annotations

import asyncio
import hashlib
import time
from typing import Any

import asyncpg
import orjson
from aiohttp.test_utils import TestClient

from aggregator.inbox.records import REFUSED_PREFIX_BYTES
from aggregator.inbox.refusals import WINDOW_S
from aggregator.settings import Settings
from aggregator.web.metrics import REGISTRY
from connectors.relay.signature import signed_headers as relay_headers
from tests.integration.test_hostile_webhooks import _seed, _settings, _signers
from tests.support.facebook import app_client
from tests.support.platforms import RELAY_SECRET

Client = TestClient[Any, Any]
MEGABYTE = 1_000_000


def _megabyte_body(n: int) -> bytes:
    """A JSON object of exactly one megabyte, different each time (as an attacker's would be)."""
    head = orjson.dumps({"n": n})[:-1] + b',"pad":"'
    return head + b"x" * (MEGABYTE - len(head) - 2) + b'"}'


def _unrecorded(source: str) -> float:
    value = REGISTRY.get_sample_value(
        "chotdon_refused_deliveries_unrecorded_total", {"source": source}
    )
    return value or 0.0


async def test_a_refused_delivery_keeps_its_size_hash_and_a_prefix_on_every_route(
    settings: Settings, db: asyncpg.Connection
) -> None:
    configured = _settings(settings)
    relay_channel = await _seed(db, configured)
    async with app_client(configured) as client:
        for n, (route, (_name, signer)) in enumerate(_signers(relay_channel).items()):
            call = signer(_megabyte_body(n), False)
            last = await db.fetchval("SELECT coalesce(max(id), 0) FROM webhook_deliveries")
            async with client.post(call.path, data=call.body, headers=call.headers) as answer:
                assert 400 <= answer.status < 500, (route, answer.status)
            row = await db.fetchrow("SELECT * FROM webhook_deliveries WHERE id > $1", last)
            assert row is not None, route
            assert not row["verified"] and row["status"] == "rejected", route
            assert bytes(row["body"]) == call.body[:REFUSED_PREFIX_BYTES], route
            assert row["body_size"] == MEGABYTE, route
            assert bytes(row["body_sha256"]) == hashlib.sha256(call.body).digest(), route
            assert row["verification_error"], route


async def test_a_thousand_unsigned_megabytes_grow_the_database_by_less_than_a_megabyte(
    settings: Settings, db: asyncpg.Connection
) -> None:
    """The figure of issue 24: before, twenty of these grew webhook_deliveries by 20 MB."""
    configured = _settings(settings)
    relay_channel = await _seed(db, configured)
    calls = [signer for _name, signer in _signers(relay_channel).values()]
    await db.execute("VACUUM webhook_deliveries")
    before = await db.fetchval("SELECT pg_database_size(current_database())")
    gate = asyncio.Semaphore(8)

    async def post(client: Client, n: int) -> int:
        call = calls[n % len(calls)](_megabyte_body(n), False)
        async with gate, client.post(call.path, data=call.body, headers=call.headers) as answer:
            return answer.status

    started, first_window = time.perf_counter(), int(time.monotonic() // WINDOW_S)
    async with app_client(configured) as client:
        statuses = await asyncio.gather(*(post(client, n) for n in range(1000)))
    elapsed = time.perf_counter() - started
    # the budget is per window of the limit's own clock (monotonic), not per wall-clock minute
    windows = int(time.monotonic() // WINDOW_S) - first_window + 1
    assert all(400 <= s < 500 for s in statuses), sorted(set(statuses))
    await db.execute("VACUUM webhook_deliveries")
    grown = await db.fetchval("SELECT pg_database_size(current_database())") - before
    rows = await db.fetchval("SELECT count(*) FROM webhook_deliveries")
    largest = await db.fetchval("SELECT max(octet_length(body)) FROM webhook_deliveries")
    print(f"1000 x 1 MB refused in {elapsed:.1f} s: {rows} recorded, database grew {grown} bytes")
    assert grown < 1_000_000
    # one client address: the window's budget, once per window the burst touched
    assert configured.refusals_recorded_per_minute <= rows
    assert rows <= configured.refusals_recorded_per_minute * windows
    assert largest <= REFUSED_PREFIX_BYTES


async def test_past_the_per_address_limit_a_refusal_is_only_counted(
    settings: Settings, db: asyncpg.Connection
) -> None:
    configured = _settings(settings).model_copy(update={"refusals_recorded_per_minute": 3})
    counted = _unrecorded("facebook")
    async with app_client(configured) as client:
        for n in range(5):
            answer = await client.post(
                "/webhooks/facebook",
                data=orjson.dumps({"n": n}),
                headers={"X-Hub-Signature-256": "sha256=00"},
            )
            assert answer.status == 403
    assert await db.fetchval("SELECT count(*) FROM webhook_deliveries") == 3
    assert _unrecorded("facebook") - counted == 2


async def test_a_nul_in_the_relay_channel_is_refused_and_recorded(
    settings: Settings, db: asyncpg.Connection
) -> None:
    configured = _settings(settings)
    await _seed(db, configured)
    body = b'{"comments": []}'
    headers = relay_headers(RELAY_SECRET.encode(), int(time.time()), body)
    async with app_client(configured) as client:
        for channel in ("%00", "relay-hostile%00", "a%00b"):
            answer = await client.post(f"/relay/{channel}/comments", data=body, headers=headers)
            assert answer.status == 403, (channel, await answer.text())
    rows = await db.fetch("SELECT verified, status, headers FROM webhook_deliveries ORDER BY id")
    assert len(rows) == 3
    assert all(not r["verified"] and r["status"] == "rejected" for r in rows)
    assert rows[1]["headers"]["relay-channel"] == "relay-hostile"  # the NUL dropped, not a 500


async def test_the_relay_answers_an_unknown_channel_as_a_bad_signature(
    settings: Settings, db: asyncpg.Connection
) -> None:
    configured = _settings(settings)
    known = await _seed(db, configured)
    body = b'{"comments": []}'
    wrong = relay_headers(b"not-the-secret", int(time.time()), body)
    answers = []
    async with app_client(configured) as client:
        for channel, headers in [
            (known, wrong), ("nobody", wrong), ("nobody", {}), (known, {}),
        ]:  # fmt: skip
            async with client.post(f"/relay/{channel}/comments", data=body, headers=headers) as a:
                answers.append((a.status, await a.read()))
    assert answers[0] == answers[1] and answers[0][0] == 403
    assert answers[2] == answers[3] and answers[2][0] == 401
    assert answers[0][1] == answers[2][1]
