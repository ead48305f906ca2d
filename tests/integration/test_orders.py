"""Merging comments into orders against real Postgres: stock, waitlists, cancels, buyers."""

from __future__ import annotations

import asyncio

import asyncpg
from arq.connections import ArqRedis

from aggregator.ingest.pipeline import Ingestor
from aggregator.orders.loading import lock_session
from aggregator.orders.merge import MergeConfig, merge_session
from aggregator.orders.state import transition
from schema.enums import HoldMode
from schema.events import CommentEvent
from schema.states import OrderStatus
from tests.support.factories import Shop, seed_shop
from tests.support.invariants import assert_consistent
from workers.sweeper import expire_overdue_orders


async def ingest(pool: asyncpg.Pool, arq: ArqRedis, events: list[CommentEvent]) -> None:
    async with Ingestor(pool, arq) as ingestor:
        await ingestor.submit_many(events)


async def lines_of(db: asyncpg.Connection, shop: Shop, author: str) -> list[tuple[str, int, str]]:
    rows = await db.fetch(
        "SELECT i.code, i.qty, i.status FROM order_items i JOIN orders o ON o.id = i.order_id "
        "JOIN buyer_identities b ON b.id = o.buyer_identity_id "
        "WHERE b.external_user_id = $1 AND o.session_id = $2 AND i.status <> 'removed' "
        "ORDER BY i.code, i.status",
        author,
        shop.session_id,
    )
    return [(r["code"], r["qty"], r["status"]) for r in rows]


async def test_comments_become_one_order_per_buyer(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db, stock={"A01": 20})
    await ingest(pool, arq_pool, [
        shop.comment("chốt A01 x2", "lan"),
        shop.comment("chốt A01 x2", "lan"),  # the same text again: not doubled
        shop.comment("thêm 2 hộp nem chua", "lan"),
        shop.comment("giá ship bao nhiêu shop", "lan"),
        shop.comment("chốt A01", "minh"),
    ])  # fmt: skip
    stats = await merge_session(pool, shop.session_id)
    assert stats.comments == 5
    assert stats.repeats == 1
    assert stats.orders_created == 2
    assert await lines_of(db, shop, "lan") == [("A01", 2, "held"), ("N01", 2, "requested")]
    order = await db.fetchrow(
        "SELECT status, subtotal_vnd, total_vnd FROM orders o JOIN buyer_identities b "
        "ON b.id = o.buyer_identity_id WHERE b.external_user_id = 'lan'"
    )
    assert order["status"] == "awaiting_confirmation"
    assert order["subtotal_vnd"] == 2 * 180_000 + 2 * 60_000
    assert await db.fetchval("SELECT reserved FROM live_stock") == 3
    assert await db.fetchval("SELECT count(*) FROM comments WHERE status = 'pending'") == 0
    await assert_consistent(db)


async def test_fifty_buyers_race_for_the_last_ten_units(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db, stock={"A01": 10})
    buyers = [f"b{i:02d}" for i in range(50)]
    events = [shop.comment("chốt A01", b, cid=f"race-{b}") for b in buyers]

    async def merge_repeatedly() -> None:
        for _ in range(5):
            await merge_session(pool, shop.session_id, MergeConfig(batch_size=7))
            await asyncio.sleep(0)

    # Comments keep arriving in small batches while five mergers compete for the session.
    await asyncio.gather(
        *(ingest(pool, arq_pool, events[i : i + 5]) for i in range(0, 50, 5)),
        *(merge_repeatedly() for _ in range(5)),
    )
    await merge_session(pool, shop.session_id)
    rows = await db.fetch(
        "SELECT b.external_user_id AS buyer, i.status, i.queue_position, c.id AS comment_id "
        "FROM order_items i JOIN orders o ON o.id = i.order_id "
        "JOIN buyer_identities b ON b.id = o.buyer_identity_id "
        "JOIN comments c ON c.author_external_id = b.external_user_id ORDER BY c.id"
    )
    held = [r for r in rows if r["status"] == "held"]
    waiting = [r for r in rows if r["status"] == "waitlisted"]
    assert len(held) == 10
    assert len(waiting) == 40
    # the waitlist is in comment order: promotion follows queue_position, the comment id
    assert [r["queue_position"] for r in waiting] == [r["comment_id"] for r in waiting]
    assert await db.fetchval("SELECT reserved FROM live_stock") == 10
    await assert_consistent(db)


async def test_when_all_comments_are_stored_the_first_ten_commenters_win(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db, stock={"A01": 10})
    await ingest(pool, arq_pool, [shop.comment("chốt A01", f"b{i:02d}") for i in range(50)])
    await asyncio.gather(
        *(merge_session(pool, shop.session_id, MergeConfig(batch_size=7)) for _ in range(5))
    )
    held = await db.fetch(
        "SELECT b.external_user_id FROM order_items i JOIN orders o ON o.id = i.order_id "
        "JOIN buyer_identities b ON b.id = o.buyer_identity_id WHERE i.status = 'held' "
        "ORDER BY b.external_user_id"
    )
    assert [r[0] for r in held] == [f"b{i:02d}" for i in range(10)]
    await assert_consistent(db)


async def test_cancel_promotes_the_first_waitlisted(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db, stock={"A01": 1})
    await ingest(
        pool, arq_pool, [shop.comment("chốt A01", b) for b in ("first", "second", "third")]
    )
    await merge_session(pool, shop.session_id)
    assert await lines_of(db, shop, "second") == [("A01", 1, "waitlisted")]
    await ingest(pool, arq_pool, [shop.comment("hủy đơn nhé", "first")])
    await merge_session(pool, shop.session_id)
    assert await lines_of(db, shop, "first") == []
    assert await lines_of(db, shop, "second") == [("A01", 1, "held")]
    assert await lines_of(db, shop, "third") == [("A01", 1, "waitlisted")]
    cancelled = await db.fetchval("SELECT count(*) FROM orders WHERE status = 'cancelled'")
    assert cancelled == 1
    await assert_consistent(db)


async def test_partial_cancel_gives_back_stock(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db, stock={"N01": 5})
    await ingest(pool, arq_pool, [shop.comment("lấy 3 hộp nem", "lan")])
    await merge_session(pool, shop.session_id)
    await ingest(pool, arq_pool, [shop.comment("bớt 1 hộp nem nhé", "lan")])
    await merge_session(pool, shop.session_id)
    assert await lines_of(db, shop, "lan") == [("N01", 2, "held")]
    assert await db.fetchval("SELECT reserved FROM live_stock") == 2
    await assert_consistent(db)


async def test_unknown_product_becomes_an_unclear_line_for_staff(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db)
    await ingest(pool, arq_pool, [shop.comment("chốt mã A09 x2", "lan")])
    await merge_session(pool, shop.session_id)
    assert await lines_of(db, shop, "lan") == [("", 1, "unclear")]


async def test_first_to_confirm_mode_reserves_nothing_at_comment_time(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db, stock={"A01": 1}, hold_mode=HoldMode.FIRST_CONFIRM)
    await ingest(pool, arq_pool, [shop.comment("chốt A01", "lan"), shop.comment("chốt A01", "an")])
    await merge_session(pool, shop.session_id)
    assert await lines_of(db, shop, "an") == [("A01", 1, "requested")]
    assert await db.fetchval("SELECT reserved FROM live_stock") == 0


async def test_comment_after_confirming_asks_for_reconfirmation(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db, stock={"A01": 5})
    await ingest(pool, arq_pool, [shop.comment("chốt A01", "lan")])
    await merge_session(pool, shop.session_id)
    order_id = await db.fetchval("SELECT id FROM orders")
    async with pool.acquire() as conn, conn.transaction():
        await transition(conn, [order_id], OrderStatus.CONFIRMED, actor="staff:1", reason="phone")
    await ingest(pool, arq_pool, [shop.comment("thêm 1 A01 nữa", "lan")])
    await merge_session(pool, shop.session_id)
    row = await db.fetchrow("SELECT status, needs_reconfirmation FROM orders")
    assert (row["status"], row["needs_reconfirmation"]) == ("awaiting_confirmation", True)
    assert await lines_of(db, shop, "lan") == [("A01", 2, "held")]
    await assert_consistent(db)


async def test_same_phone_links_buyers_into_one_order_of_the_live(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db)
    await ingest(pool, arq_pool, [
        shop.comment("chốt A01 sđt 0912 345 678", "acc1"),
        shop.comment("chốt 2 hộp nem, 0912.345.678", "acc2"),
    ])  # fmt: skip
    await merge_session(pool, shop.session_id)
    buyers = await db.fetchval("SELECT count(DISTINCT buyer_id) FROM buyer_identities")
    assert buyers == 1
    rows = await db.fetch(
        "SELECT o.status, i.code, i.qty FROM orders o JOIN order_items i ON i.order_id = o.id "
        "ORDER BY i.code"
    )
    assert [tuple(r) for r in rows] == [
        ("awaiting_confirmation", "A01", 1),
        ("awaiting_confirmation", "N01", 2),
    ]
    await assert_consistent(db)


async def test_expiry_releases_stock_to_the_waitlist(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db, stock={"A01": 1})
    await ingest(
        pool, arq_pool, [shop.comment("chốt A01", "slow"), shop.comment("chốt A01", "next")]
    )
    await merge_session(pool, shop.session_id)
    await db.execute(
        "UPDATE orders o SET confirm_deadline = now() - interval '1 second' "
        "FROM buyer_identities b WHERE b.id = o.buyer_identity_id AND b.external_user_id = 'slow'"
    )
    assert await expire_overdue_orders(pool) == 1
    assert await lines_of(db, shop, "next") == [("A01", 1, "held")]
    await assert_consistent(db)


async def test_expiry_waits_for_a_merge_of_the_same_live(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    """A merge holding the live's lock may still add lines to an order it read as open: the
    expiry must not release that order's stock until the merge has committed."""
    shop = await seed_shop(db, stock={"A01": 5})
    await ingest(pool, arq_pool, [shop.comment("chốt A01", "slow")])
    await merge_session(pool, shop.session_id)
    await db.execute("UPDATE orders SET confirm_deadline = now() - interval '1 second'")
    async with pool.acquire() as merging, merging.transaction():
        await lock_session(merging, shop.session_id)
        expiring = asyncio.create_task(expire_overdue_orders(pool))
        await asyncio.sleep(0.5)
        assert not expiring.done()
        assert await db.fetchval("SELECT status FROM orders") == "awaiting_confirmation"
    assert await asyncio.wait_for(expiring, 30) == 1
    assert await db.fetchval("SELECT status FROM orders") == "expired"
    await assert_consistent(db)


async def test_a_packed_orders_waitlisted_line_holds_back_no_one(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    """A parcel being packed (or gone) takes no more stock, so its waitlisted line is out of the
    queue: stock given back goes to the next buyer whose order is still open. Before, a packed
    order's line of 3 at the head, with 2 free, held back every buyer behind it for good (the
    chaos run's evening never settled on a paid order waiting behind a returned one)."""
    shop = await seed_shop(db, stock={"A01": 2, "B01": 10})
    comments = [("chốt A01 x2", "first"), ("chốt A01 x3 B01", "second"), ("chốt A01", "third")]
    await ingest(pool, arq_pool, [shop.comment(text, buyer) for text, buyer in comments])
    await merge_session(pool, shop.session_id)
    assert await lines_of(db, shop, "second") == [("A01", 3, "waitlisted"), ("B01", 1, "held")]
    packed = await db.fetchval(
        "SELECT o.id FROM orders o JOIN buyer_identities b ON b.id = o.buyer_identity_id "
        "WHERE b.external_user_id = 'second'"
    )
    assert await _waiting_for(db, "A01") == 2  # second's 3 and third's 1
    for status in (OrderStatus.CONFIRMED, OrderStatus.PACKING, OrderStatus.PACKED):
        moved = await transition(db, [packed], status, actor="staff:test", reason="test")
        assert moved.moved == [packed]  # B01 is held: there is a parcel to pack
    # The parcel leaves without A01: the line is removed, the order's history says why, and the
    # director's dashboard no longer counts its buyer as waiting.
    assert await lines_of(db, shop, "second") == [("B01", 1, "held")]
    assert await db.fetchval(
        "SELECT status FROM order_items WHERE order_id = $1 AND code = 'A01'", packed
    ) == "removed"  # fmt: skip
    dropped = await db.fetch(
        "SELECT data FROM order_events WHERE order_id = $1 AND kind = 'waitlist_dropped'", packed
    )
    assert [r["data"] for r in dropped] == [{"lines": [{"code": "A01", "variant": "", "qty": 3}]}]
    assert await _waiting_for(db, "A01") == 1
    await ingest(pool, arq_pool, [shop.comment("hủy đơn nhé", "first")])
    await merge_session(pool, shop.session_id)
    assert await lines_of(db, shop, "third") == [("A01", 1, "held")]
    assert await lines_of(db, shop, "second") == [("B01", 1, "held")]
    assert await _waiting_for(db, "A01") == 0
    await assert_consistent(db)


async def _waiting_for(db: asyncpg.Connection, code: str) -> int:
    """Buyers waiting for `code` on the director's dashboard (its counters, migration 0033)."""
    return int(
        await db.fetchval(
            "SELECT coalesce(sum(d.waitlist), 0) FROM dashboard_products d "
            "JOIN products p ON p.id = d.product_id WHERE p.code = $1",
            code,
        )
    )


async def test_freed_stock_goes_to_as_many_heads_of_the_waitlist_as_it_fits(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    """Two units freed: the two buyers at the head of the queue get one each, in queue order, and
    the third still waits (the waitlist is read only as far as the free stock could reach)."""
    shop = await seed_shop(db, stock={"A01": 2})
    buyers = ("first", "second", "third", "fourth")
    await ingest(pool, arq_pool, [shop.comment("chốt A01 x2", "first")])
    await merge_session(pool, shop.session_id)
    await ingest(pool, arq_pool, [shop.comment("chốt A01", b) for b in buyers[1:]])
    await merge_session(pool, shop.session_id)
    await ingest(pool, arq_pool, [shop.comment("hủy đơn nhé", "first")])
    await merge_session(pool, shop.session_id)
    assert await lines_of(db, shop, "second") == [("A01", 1, "held")]
    assert await lines_of(db, shop, "third") == [("A01", 1, "held")]
    assert await lines_of(db, shop, "fourth") == [("A01", 1, "waitlisted")]
    assert await db.fetchval("SELECT reserved FROM live_stock") == 2
    await assert_consistent(db)
