"""The relay and Zalo routes, like Facebook's, commit an accepted delivery and its comments in one
transaction of one writer (aggregator/inbox/intake.py): the rows share their transaction id, so
neither can be committed without the other."""

from __future__ import annotations

import asyncpg

from aggregator.settings import Settings
from aggregator.web.keys import INGESTOR
from connectors.simulators.zalo import user_text, webhook_headers
from tests.integration.test_relay import batch, post, seed_relay, signed
from tests.integration.test_zalo import STATE, post as post_zalo, seed_oa
from tests.support.facebook import app_client
from tests.support.platforms import delivery_counts, platform_settings

# xmin: the transaction that wrote the row (text: xid has no ordering operators)
_WRITERS = """
SELECT (SELECT array_agg(DISTINCT xmin::text) FROM webhook_deliveries WHERE source = $1)
           AS deliveries,
       (SELECT array_agg(DISTINCT xmin::text) FROM comments) AS comments
"""


async def _writers(db: asyncpg.Connection, source: str) -> tuple[list[str], list[str]]:
    row = await db.fetchrow(_WRITERS, source)
    return row["deliveries"], row["comments"]


async def test_a_relay_batch_and_its_delivery_are_committed_together(
    settings: Settings, db: asyncpg.Connection
) -> None:
    relay = await seed_relay(db, settings)
    body = batch(40)
    async with app_client(platform_settings(settings)) as client:
        assert (await post(client, relay.url, body, signed(body)))[0] == 202
        await client.app[INGESTOR].drain()
    deliveries, comments = await _writers(db, "relay")
    assert len(deliveries) == 1 and comments == deliveries
    assert await db.fetchval("SELECT count(*) FROM comments") == 40
    assert await delivery_counts(db, "relay") == {"processed": 1}


async def test_a_zalo_message_and_its_delivery_are_committed_together(
    settings: Settings, db: asyncpg.Connection
) -> None:
    oa_id, session_id = await seed_oa(db, settings)
    body = user_text(STATE, oa_id, "zuser1", "chốt A01 x2", msg_id="m-1")
    async with app_client(platform_settings(settings)) as client:
        assert await post_zalo(client, body, webhook_headers(STATE, body)) == 200
        await client.app[INGESTOR].drain()
    deliveries, comments = await _writers(db, "zalo")
    assert len(deliveries) == 1 and comments == deliveries
    assert await db.fetchval("SELECT session_id FROM comments") == session_id
