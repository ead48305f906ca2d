"""TikTok Shop orders land in our queue: confirmed, stock held, cancelled, never moved back."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
from arq.connections import ArqRedis

from aggregator.ingest.pipeline import Ingestor
from aggregator.ingest.platform_order_jobs import requeue_unapplied_platform_orders
from aggregator.orders.merge import merge_session
from aggregator.orders.state import transition
from aggregator.runtime import jobs
from aggregator.runtime.queue import queue_names
from aggregator.settings import Settings
from connectors.tiktok.models import Order, order_event
from schema.enums import Platform
from schema.events import CommentEvent
from schema.states import OrderStatus
from tests.support.platforms import add_live
from tests.support.tiktok import TikTokRig, job_ctx, tiktok_rig
from workers.platform_jobs import apply_platform_orders_job, tiktok_fetch_orders_job


async def stock_live(db: asyncpg.Connection, rig: TikTokRig, quantity: int) -> int:
    tenant_id = await db.fetchval("SELECT tenant_id FROM channels WHERE id = $1", rig.channel_id)
    session_id = await add_live(db, tenant_id, rig.channel_id)
    await db.execute(
        "INSERT INTO live_stock (tenant_id, live_id, product_id, quantity) "
        "SELECT $1, (SELECT live_id FROM live_sessions WHERE id = $2), id, $3 FROM products "
        "WHERE tenant_id = $1 AND code = 'A01'",
        tenant_id, session_id, quantity,
    )  # fmt: skip
    return session_id


async def deliver(rig: TikTokRig, pool: asyncpg.Pool, arq: ArqRedis, order_id: str) -> None:
    """TikTok names the order (webhook or sync); the job reads and stores its current state."""
    await tiktok_fetch_orders_job(job_ctx(rig, pool, arq), rig.channel_id, [order_id])


async def apply_queued(rig: TikTokRig, pool: asyncpg.Pool, arq: ArqRedis) -> int:
    queued = [j for j in await arq.queued_jobs() if j.function == jobs.APPLY_PLATFORM_ORDERS]
    applied = 0
    for job in queued:
        applied += await apply_platform_orders_job(job_ctx(rig, pool, arq), *job.args)
    queues = queue_names(rig.settings).both
    await arq.delete(*queues, *[k async for k in arq.scan_iter("arq:job:*")])
    return applied


async def our_order(db: asyncpg.Connection, external_id: str) -> asyncpg.Record:
    row = await db.fetchrow(
        "SELECT o.* FROM orders o JOIN platform_orders p ON p.order_id = o.id "
        "WHERE p.external_order_id = $1", external_id,
    )  # fmt: skip
    assert row is not None
    return row


async def reserved(db: asyncpg.Connection, session_id: int) -> int:
    return int(
        await db.fetchval(
            "SELECT reserved FROM live_stock st JOIN live_sessions s ON s.live_id = st.live_id "
            "WHERE s.id = $1",
            session_id,
        )
    )


async def event_count(db: asyncpg.Connection) -> int:
    return int(await db.fetchval("SELECT count(*) FROM order_events"))


async def test_new_order_becomes_a_confirmed_order_with_held_lines(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    async with tiktok_rig(settings, db) as rig:
        session_id = await stock_live(db, rig, 5)
        rig.state.put_order(rig.shop.shop_id, "5761", "AWAITING_SHIPMENT")
        await deliver(rig, pool, arq_pool, "5761")
        assert await apply_queued(rig, pool, arq_pool) == 1
    order = await our_order(db, "5761")
    assert (order["status"], order["source"], order["payment_method"]) == (
        "confirmed", "platform", "cod",
    )  # fmt: skip
    assert (order["session_id"], order["recipient_phone"]) == (session_id, "0912345678")
    assert order["address_line"] == "Xã Vũ Thư, Thái Bình"
    assert order["total_vnd"] == 360_000
    lines = await db.fetch(
        "SELECT code, qty, status FROM order_items WHERE order_id = $1", order["id"]
    )
    assert [tuple(r) for r in lines] == [("A01", 2, "held")]
    assert await reserved(db, session_id) == 2
    identity = await db.fetchrow(
        "SELECT channel_id, external_user_id FROM buyer_identities WHERE id = $1",
        order["buyer_identity_id"],
    )
    assert tuple(identity) == (rig.channel_id, "buyer-5761")


async def test_cancel_gives_stock_back_and_promotes_the_waitlist(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    async with tiktok_rig(settings, db) as rig:
        session_id = await stock_live(db, rig, 2)
        rig.state.put_order(rig.shop.shop_id, "5762", "AWAITING_SHIPMENT")
        await deliver(rig, pool, arq_pool, "5762")
        await apply_queued(rig, pool, arq_pool)
        async with Ingestor(pool, arq_pool) as ingestor:  # a comment buyer waits for A01
            await ingestor.submit(CommentEvent(
                platform=Platform.TIKTOK, channel_external_id=rig.shop.shop_id, external_id="c1",
                external_live_id=f"live-{rig.channel_id}", author_external_id="viewer-1",
                author_name="Chị Hoa", text="chốt A01 x1", commented_at=datetime.now(UTC),
            ))  # fmt: skip
        await merge_session(pool, session_id)
        waiting = await db.fetchval(
            "SELECT status FROM order_items WHERE source_comment_id IS NOT NULL"
        )
        assert waiting == "waitlisted"
        rig.state.put_order(rig.shop.shop_id, "5762", "CANCELLED")
        await deliver(rig, pool, arq_pool, "5762")
        await apply_queued(rig, pool, arq_pool)
    order = await our_order(db, "5762")
    assert order["status"] == "cancelled"
    statuses = await db.fetch("SELECT source_comment_id IS NULL AS tiktok, status FROM order_items")
    assert {(r["tiktok"], r["status"]) for r in statuses} == {(True, "removed"), (False, "held")}
    assert await reserved(db, session_id) == 1


async def test_duplicate_and_out_of_order_deliveries_change_nothing(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    async with tiktok_rig(settings, db) as rig:
        session_id = await stock_live(db, rig, 5)
        old = rig.state.put_order(rig.shop.shop_id, "5763", "AWAITING_SHIPMENT")
        await deliver(rig, pool, arq_pool, "5763")
        await apply_queued(rig, pool, arq_pool)
        before = await event_count(db)
        await deliver(rig, pool, arq_pool, "5763")  # the same state again
        assert await apply_queued(rig, pool, arq_pool) == 0
        order = await our_order(db, "5763")
        async with pool.acquire() as conn:  # staff pack it; TikTok's later statuses keep that
            await transition(conn, [order["id"]], OrderStatus.PACKING, actor="staff:1", reason="t")
        rig.state.put_order(rig.shop.shop_id, "5763", "IN_TRANSIT")
        await deliver(rig, pool, arq_pool, "5763")
        assert await apply_queued(rig, pool, arq_pool) == 1
        stale = order_event(rig.shop.shop_id, Order.model_validate(old), old)  # older state, late
        async with Ingestor(pool, arq_pool) as ingestor:
            await ingestor.submit(stale)
        assert await apply_queued(rig, pool, arq_pool) == 0
        assert await requeue_unapplied_platform_orders(pool, arq_pool, stale_after_s=0) == 0
    assert (await our_order(db, "5763"))["status"] == "packing"
    assert await db.fetchval("SELECT external_status FROM platform_orders") == "IN_TRANSIT"
    assert await db.fetchval("SELECT count(*) FROM orders") == 1
    assert await reserved(db, session_id) == 2
    # only the packing move and the IN_TRANSIT state were recorded after the first apply
    assert await event_count(db) == before + 2


async def test_sweeper_requeues_a_shop_whose_job_redis_lost(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    async with tiktok_rig(settings, db) as rig:
        rig.state.put_order(rig.shop.shop_id, "5764", "AWAITING_SHIPMENT")
        await deliver(rig, pool, arq_pool, "5764")
        await arq_pool.flushdb()  # Redis lost the apply job
        assert await requeue_unapplied_platform_orders(pool, arq_pool, stale_after_s=0) == 1
        assert await apply_queued(rig, pool, arq_pool) == 1
    order = await our_order(db, "5764")
    assert order["status"] == "confirmed"
    assert order["session_id"] is None  # no live on air: lines are requested, not held
    assert await db.fetchval("SELECT status FROM order_items") == "requested"


async def test_a_shop_order_joins_the_buyer_who_owns_its_phone_on_the_same_side_only(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    """The recipient's phone links the shop order to the cooperative's buyer who gave it (in a
    comment, on any channel); a rehearsal's buyer with the same phone is never that buyer."""
    async with tiktok_rig(settings, db) as rig:
        await stock_live(db, rig, 5)
        tenant_id = await db.fetchval(
            "SELECT tenant_id FROM channels WHERE id = $1", rig.channel_id
        )
        insert = (
            "INSERT INTO buyers (tenant_id, display_name, phone, sandbox) "
            "VALUES ($1, $2, '0912345678', $3) RETURNING id"
        )
        owner = await db.fetchval(insert, tenant_id, "Chị Lan", False)
        rehearsed = await db.fetchval(insert, tenant_id, "Diễn tập", True)
        rig.state.put_order(rig.shop.shop_id, "5761", "AWAITING_SHIPMENT")
        await deliver(rig, pool, arq_pool, "5761")
        assert await apply_queued(rig, pool, arq_pool) == 1
        order = await our_order(db, "5761")
        assert order["buyer_id"] == owner != rehearsed
        identity_buyer = await db.fetchval(
            "SELECT buyer_id FROM buyer_identities WHERE id = $1", order["buyer_identity_id"]
        )
        assert identity_buyer == owner
