"""The dashboard's counters (migration 0033) against the recount they replace, on real Postgres.

Every writer of comments, orders and lines goes through the statement triggers: ingest and merge
on two channels of one live, waitlists, cancels, status moves, payments, a line moved to another
order, a comment moved to another session, deletions. After each step every figure the dashboard
reads from the counters must equal the recount queries (kept as *_recount). A rolled-back write
leaves no counter behind, a fold changes no figure, and two writers of the same live's counters
never wait on each other.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import asyncpg
from arq.connections import ArqRedis

from aggregator.dashboard.recount import recount_differences
from aggregator.dashboard.snapshot import SnapshotRows, snapshot_rows
from aggregator.ingest.pipeline import Ingestor
from aggregator.orders.merge import merge_session
from aggregator.orders.state import transition
from schema.enums import Platform
from schema.queries import query
from schema.states import OrderStatus
from tests.support.factories import LiveChannel, Shop, add_channel, seed_shop

COUNTERS = ("dashboard_minutes", "dashboard_orders", "dashboard_products")


async def agree(db: asyncpg.Connection, tenant_id: int, step: str) -> SnapshotRows:
    """The counters equal the recount, read before any fold and after one."""
    for fold in (False, True):
        assert await recount_differences(db, tenant_id, fold=fold) == {}, (step, fold)
    rows = await snapshot_rows(db, tenant_id, datetime.now(UTC))
    assert rows.lives, step  # something was compared
    return rows


async def feed(pool: asyncpg.Pool, arq: ArqRedis, sessions: list[int], events: list[Any]) -> None:
    async with Ingestor(pool, arq) as ingestor:
        await ingestor.submit_many(events)
    for session_id in sessions:
        await merge_session(pool, session_id)


async def order_of(db: asyncpg.Connection, author: str) -> int:
    return int(
        await db.fetchval(
            "SELECT o.id FROM orders o JOIN buyer_identities b ON b.id = o.buyer_identity_id "
            "WHERE b.external_user_id = $1 ORDER BY o.id LIMIT 1",
            author,
        )
    )


async def live_with_two_channels(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq: ArqRedis
) -> tuple[Shop, LiveChannel]:
    shop = await seed_shop(db, stock={"A01": 3})
    zalo = await add_channel(db, shop, Platform.ZALO)
    sessions = [shop.session_id, zalo.session_id]
    await feed(pool, arq, sessions, [
        shop.comment("chốt A01 x2", "lan"), shop.comment("chốt A01 x2", "minh"),
        shop.comment("chốt N01 x3", "hoa"), shop.comment("shop ơi giá ship sao", "hoa"),
        zalo.comment("lấy 1 A01", "zalo-an"), zalo.comment("B01 x2", "zalo-binh"),
        zalo.comment("chốt N01", "zalo-chi"), shop.comment("chốt A01 x2", "lan"),
    ])  # fmt: skip
    return shop, zalo


async def test_the_counters_equal_the_recount_through_every_kind_of_write(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop, zalo = await live_with_two_channels(db, pool, arq_pool)
    first = await agree(db, shop.tenant_id, "ingest and merge")
    assert sum(row["comments"] for row in first.lives) == 8  # comments of both channels
    waiting = await db.fetchval(
        "SELECT count(*) FROM order_items WHERE status = 'waitlisted' AND tenant_id = $1",
        shop.tenant_id,
    )
    assert waiting >= 1  # A01 ran out: the waitlist is among what was compared

    lan, hoa, chi = [await order_of(db, a) for a in ("lan", "hoa", "zalo-chi")]
    await transition(db, [lan], OrderStatus.CONFIRMED, actor="test", reason="test")
    await db.execute("UPDATE orders SET paid_at = now() WHERE id = $1", lan)
    for step in (OrderStatus.CONFIRMED, OrderStatus.PACKING, OrderStatus.PACKED,
                 OrderStatus.SHIPPED, OrderStatus.DELIVERED):  # fmt: skip
        await transition(db, [hoa], step, actor="test", reason="test")
    await agree(db, shop.tenant_id, "confirmed, paid, delivered COD")

    # Cancelling gives A01 back and promotes the waitlist (lines change, in merge's own way).
    await feed(pool, arq_pool, [shop.session_id], [shop.comment("hủy đơn nhé shop", "lan")])
    await agree(db, shop.tenant_id, "cancel by comment")

    # A line moved to another order (as consolidation does), a comment to another session.
    await db.execute(
        "UPDATE order_items SET order_id = $1 WHERE order_id = $2",
        chi,
        await order_of(db, "zalo-binh"),
    )
    await db.execute(
        "UPDATE comments SET session_id = $1 WHERE body = 'shop ơi giá ship sao'", zalo.session_id
    )
    await agree(db, shop.tenant_id, "a line and a comment moved")

    # Deleted rows (an erased buyer): lines first, then what points at the order, then it.
    an = await order_of(db, "zalo-an")
    await db.execute("DELETE FROM order_items WHERE order_id = $1", an)
    await db.execute("DELETE FROM order_events WHERE order_id = $1", an)
    await db.execute("DELETE FROM orders WHERE id = $1", an)
    await db.execute("DELETE FROM comments WHERE body = 'shop ơi giá ship sao'")
    await agree(db, shop.tenant_id, "deleted")


async def test_a_rolled_back_write_leaves_no_counter_and_a_fold_changes_no_figure(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop, _ = await live_with_two_channels(db, pool, arq_pool)
    before = await agree(db, shop.tenant_id, "before")
    rows = {t: await db.fetchval(f"SELECT count(*) FROM {t}") for t in COUNTERS}
    tx = db.transaction()
    await tx.start()
    await db.execute("UPDATE orders SET status = 'cancelled' WHERE tenant_id = $1", shop.tenant_id)
    await db.execute(
        "DELETE FROM comments c WHERE tenant_id = $1 AND NOT EXISTS "
        "(SELECT 1 FROM order_items i WHERE i.source_comment_id = c.id)",
        shop.tenant_id,
    )
    await tx.rollback()
    assert {t: await db.fetchval(f"SELECT count(*) FROM {t}") for t in COUNTERS} == rows
    assert await db.fetchval(query("dashboard_fold"), shop.tenant_id) is True
    after = await agree(db, shop.tenant_id, "folded")
    assert after == before
    for table, key in (("dashboard_minutes", "session_id, minute"),
                       ("dashboard_orders", "session_id"),
                       ("dashboard_products", "session_id, product_id, variant")):  # fmt: skip
        most = await db.fetchval(
            f"SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM {table} "
            f"WHERE tenant_id = $1 GROUP BY {key}) t",
            shop.tenant_id,
        )
        assert most <= 1, table  # one row per key once folded


async def test_two_writers_of_one_live_never_wait_on_its_counters(
    db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    shop = await seed_shop(db)
    insert = (
        "INSERT INTO comments (tenant_id, platform, channel_external_id, external_id, channel_id, "
        "session_id, author_external_id, body, commented_at, intent) "
        "VALUES ($1, 'facebook', $2, $3, $4, $5, 'a', 'chốt A01', now(), 'order')"
    )
    args = (shop.tenant_id, shop.page_id)
    async with pool.acquire() as first, pool.acquire() as second:
        tx = first.transaction()
        await tx.start()
        await first.execute(insert, *args, "w1", shop.channel_id, shop.session_id)
        # The first writer's counter row is still uncommitted: an update-in-place counter would
        # make the second writer wait here until the first commits (the guard only ends a hang).
        await asyncio.wait_for(
            second.execute(insert, *args, "w2", shop.channel_id, shop.session_id), 60
        )
        await tx.commit()
    await agree(db, shop.tenant_id, "two writers")


async def test_the_counter_functions_of_orders_and_lines_keep_their_plans(
    db: asyncpg.Connection,
) -> None:
    """Fired once per statement writing orders or lines: a LANGUAGE sql function of several
    statements is parsed and planned again on every call, a PL/pgSQL one keeps its plans."""
    languages = await db.fetch(
        "SELECT p.proname, l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
        "WHERE p.proname IN ('chotdon_dashboard_order_delta', 'chotdon_dashboard_line_delta') "
        "ORDER BY p.proname"
    )
    assert [(r["proname"], r["lanname"]) for r in languages] == [
        ("chotdon_dashboard_line_delta", "plpgsql"),
        ("chotdon_dashboard_order_delta", "plpgsql"),
    ]
