"""Facebook dead letters: a verified body chotdon cannot read is kept whole and answered like any
delivery; `chotdon deliveries replay` reads it again with the live route's own code, once."""

from __future__ import annotations

import time

import asyncpg
import orjson

from aggregator.cli.replayers import replayers_for
from aggregator.inbox.journal import DeliveryJournal
from aggregator.inbox.records import Inbound
from aggregator.inbox.replay import replay_unreadable
from aggregator.settings import Settings
from tests.support.facebook import (
    app_client,
    comment_change,
    envelope,
    facebook_settings,
    signed_headers,
)
from tests.support.factories import seed_shop

SOURCE = "facebook"


async def test_an_unreadable_delivery_is_kept_and_a_replay_reads_it_once(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    shop = await seed_shop(db)
    now = int(time.time() * 1000)
    # A feed comment with no comment_id: nothing can be stored from it, whatever the version.
    broken = {"field": "feed", "value": {"item": "comment", "verb": "add", "message": "chốt A01",
                                         "from": {"id": "u1", "name": "Lan"}}}  # fmt: skip
    unreadable = envelope(shop.page_id, [broken], at_ms=now)
    headers = signed_headers(unreadable)
    async with (
        app_client(facebook_settings(settings)) as client,
        client.post("/webhooks/facebook", data=unreadable, headers=headers) as answer,
    ):
        assert (answer.status, await answer.text()) == (200, "EVENT_RECEIVED")
    kept = await db.fetchrow("SELECT status, error, tenant_id, body FROM webhook_deliveries")
    assert (kept["status"], kept["tenant_id"], bytes(kept["body"])) == (
        "unreadable", shop.tenant_id, unreadable,
    )  # fmt: skip
    assert "comment_id" in kept["error"]
    # A delivery an older chotdon could not read, that this one can: kept as it came.
    readable = envelope(
        shop.page_id,
        [comment_change(f"{shop.live_id}_7", f"{shop.page_id}_{shop.live_id}", "chốt A01 x2")],
        at_ms=now,
    )
    inbound = Inbound.of(readable, {"content-type": "application/json"})
    await DeliveryJournal(pool, SOURCE).record(inbound.unreadable("unknown key (chotdon 1.0)"))

    async with replayers_for(settings, pool) as replayers:
        first = await replay_unreadable(pool, replayers, source=SOURCE)
        second = await replay_unreadable(pool, replayers, source=SOURCE)
    assert (first.read, first.unreadable, first.no_replayer) == ({SOURCE: 1}, {SOURCE: 1}, {})
    assert (second.read, second.unreadable) == ({}, {SOURCE: 1})  # read once, never again
    rows = await db.fetch("SELECT status, replays, tenant_id FROM webhook_deliveries ORDER BY id")
    assert [(r["status"], r["replays"], r["tenant_id"]) for r in rows] == [
        ("unreadable", 2, shop.tenant_id), ("processed", 1, shop.tenant_id),
    ]  # fmt: skip
    comments = await db.fetch("SELECT external_id, session_id, body FROM comments")
    assert [(r["external_id"], r["session_id"], r["body"]) for r in comments] == [
        (f"{shop.live_id}_7", shop.session_id, "chốt A01 x2"),
    ]
    assert orjson.loads(readable)["entry"][0]["id"] == shop.page_id
