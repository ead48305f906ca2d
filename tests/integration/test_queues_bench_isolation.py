"""The ingest bench's queue layouts run one after another on one database: a layout's messages
still unsent when it ends must not become the next layout's work (any worker's sweeper sends a
message left pending past 30 s), or the later layout is measured with a backlog it did not make."""

from __future__ import annotations

import asyncpg
from arq.connections import ArqRedis

from aggregator.outbound.record import PLATFORM_SEND_JOB, Outgoing, queue_outbound
from aggregator.tools.bench.queues import retire_unsettled
from schema.queries import query
from tests.support.factories import seed_shop


async def test_a_layouts_unsent_messages_are_closed_when_it_ends(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db)

    async def message(key: str) -> int:
        outgoing = Outgoing(shop.tenant_id, shop.channel_id, "zalo.cs", key, "Dạ", {"user_id": "u"})
        return await queue_outbound(pool, arq_pool, outgoing, PLATFORM_SEND_JOB)

    earlier = await message("before-the-layout")  # an earlier layout's, still pending
    since = await db.fetchval("SELECT clock_timestamp()")  # the layout starts
    sent, unsent = await message("sent-in-time"), await message("left-pending")
    await db.execute("UPDATE outbound_messages SET status = 'sent' WHERE id = $1", sent)
    await retire_unsettled(pool, since)
    rows = dict(await db.fetch("SELECT id, status FROM outbound_messages"))
    assert rows == {earlier: "pending", sent: "sent", unsent: "failed"}
    # Minutes later a sweeper finds only what no layout closed.
    await db.execute("UPDATE outbound_messages SET created_at = created_at - interval '1 hour'")
    stale = await db.fetch(query("stale_pending_messages"), 30.0, 100)
    assert [r["id"] for r in stale] == [earlier]
