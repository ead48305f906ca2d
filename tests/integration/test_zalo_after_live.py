"""Zalo, no live on air: an order message joins the OA's recent live only for a buyer with an open
order in it (within 24 h); everything else goes to the OA's standing chat session, where orders
stand on their own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
from arq.connections import ArqRedis

from aggregator.ingest.pipeline import Ingestor
from aggregator.orders.merge import merge_session
from aggregator.settings import Settings
from schema.enums import Platform
from schema.events import CommentEvent
from tests.support.factories import seed_shop
from tests.support.platforms import add_channel, add_live


def message(oa_id: str, msg_id: str, user: str, text: str) -> CommentEvent:
    return CommentEvent(
        platform=Platform.ZALO, channel_external_id=oa_id, external_id=msg_id,
        external_live_id=None, author_external_id=user, author_name=f"Zalo {user}", text=text,
        commented_at=datetime.now(UTC),
    )  # fmt: skip


async def ingest(pool: asyncpg.Pool, arq: ArqRedis, events: list[CommentEvent]) -> None:
    async with Ingestor(pool, arq) as ingestor:
        await ingestor.submit_many(events)


async def placement(db: asyncpg.Connection) -> dict[str, tuple[int | None, str]]:
    rows = await db.fetch("SELECT external_id, session_id, status FROM comments")
    return {r["external_id"]: (r["session_id"], r["status"]) for r in rows}


async def test_order_message_after_the_live_joins_the_buyers_open_order(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db)
    channel_id, oa_id = await add_channel(db, settings, shop.tenant_id, Platform.ZALO, "oa-token")
    session_id = await add_live(db, shop.tenant_id, channel_id)
    await ingest(pool, arq_pool, [message(oa_id, "m1", "lan", "chốt A01 x1")])
    await merge_session(pool, session_id)
    await db.execute(
        "UPDATE live_sessions SET status = 'ended', ended_at = now() - interval '2 hours' "
        "WHERE id = $1", session_id,
    )  # fmt: skip
    await ingest(pool, arq_pool, [
        message(oa_id, "m2", "lan", "cho chị thêm 2 B01 nhé"),  # open order: joins the live
        message(oa_id, "m3", "lan", "bao giờ giao hàng ạ?"),  # a question: for staff
        message(oa_id, "m4", "hoa", "chốt A01 x1"),  # no order in that live: for staff
    ])  # fmt: skip
    chat = await db.fetchval(
        "SELECT id FROM live_sessions WHERE channel_id = $1 AND external_live_id = 'zalo-chat'",
        channel_id,
    )
    assert await placement(db) == {
        "m1": (session_id, "processed"), "m2": (session_id, "pending"),
        "m3": (chat, "pending"), "m4": (chat, "pending"),
    }  # fmt: skip
    await merge_session(pool, session_id)
    await merge_session(pool, chat)
    lines = await db.fetch(
        "SELECT o.session_id, i.code, i.qty FROM order_items i JOIN orders o ON o.id = i.order_id "
        "WHERE i.status <> 'removed' ORDER BY o.session_id, i.code"
    )
    # lan's order of the live grew; hoa's message made a standalone order of the chat session
    assert [tuple(r) for r in lines] == [(session_id, "A01", 1), (session_id, "B01", 2),
                                         (chat, "A01", 1)]  # fmt: skip
    assert await db.fetchval("SELECT count(*) FROM orders") == 2


async def test_a_live_over_24_hours_ago_takes_nothing(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db)
    channel_id, oa_id = await add_channel(db, settings, shop.tenant_id, Platform.ZALO, "oa-token")
    session_id = await add_live(db, shop.tenant_id, channel_id)
    await ingest(pool, arq_pool, [message(oa_id, "m1", "lan", "chốt A01 x1")])
    await merge_session(pool, session_id)
    ended = datetime.now(UTC) - timedelta(hours=25)
    await db.execute(
        "UPDATE live_sessions SET status = 'ended', "
        "started_at = $2::timestamptz - interval '1 hour', "
        "ended_at = $2, last_comment_at = $2 WHERE id = $1", session_id, ended,
    )  # fmt: skip
    await ingest(pool, arq_pool, [message(oa_id, "m2", "lan", "thêm 2 B01")])
    chat = await db.fetchval("SELECT id FROM live_sessions WHERE external_live_id = 'zalo-chat'")
    assert (await placement(db))["m2"] == (chat, "pending")  # a new, standalone order
