"""Rehearsals and replays run in a sandbox: their orders reach no real screen, export, courier or
buyer, and a replayed phone never links a rehearsal identity to a real buyer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from arq.connections import ArqRedis

from aggregator.dashboard.snapshot import load_dashboard
from aggregator.ingest.pipeline import Ingestor
from aggregator.orders.merge import merge_session
from aggregator.outbound.buyers import load_buyer, queue_for_buyer
from aggregator.outbound.port import BuyerMessage
from aggregator.rehearsal.player import Target
from aggregator.rehearsal.replay import create_rehearsal
from aggregator.settings import Settings
from aggregator.shipping.handoff import Outcome, create_shipment
from aggregator.staff.accounts import StaffUser
from aggregator.staff.packing import claim_next
from aggregator.staff.queue import QueueFilter, order_queue
from aggregator.web.app import create_app
from schema.enums import Platform, StaffRole
from schema.events import CommentEvent
from schema.queries import query
from tests.support.factories import Shop, seed_shop
from tests.support.pdf import pdf_text
from tests.support.sales import seed_sales, utc
from tests.support.staff import add_order, add_staff, log_in

Client = TestClient  # type: ignore[type-arg]
RANGE = {"tu": "2026-03-01", "den": "2026-03-02"}
EXPORTS = ("ngay.csv", "live.csv", "nen-tang.csv", "san-pham.csv", "hoa-don.csv")
PHONE = "0912345678"


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_app(settings))) as test_client:
        yield test_client


async def rehearsal_of(pool: asyncpg.Pool, shop: Shop) -> tuple[int, Target]:
    slug = await pool.fetchval("SELECT slug FROM tenants WHERE id = $1", shop.tenant_id)
    async with pool.acquire() as conn:
        return await create_rehearsal(conn, shop.tenant_id, slug, shop.session_id)


async def sandbox_order(
    db: asyncpg.Connection, shop: Shop, session_id: int, status: str, created: str
) -> int:
    """An order of the rehearsal as a real one would look: paid, with a real buyer's phone."""
    order_id = await add_order(db, shop, status=status, name="Khách tập dượt")
    await db.execute(
        "UPDATE orders SET session_id = $2, created_at = $3, paid_at = $3, "
        "recipient_phone = $4 WHERE id = $1",
        order_id, session_id, utc(created), PHONE,
    )  # fmt: skip
    await db.execute(
        "UPDATE buyers SET sandbox = true WHERE id = (SELECT buyer_id FROM orders WHERE id = $1)",
        order_id,
    )
    return order_id


async def exports(client: Client) -> dict[str, bytes]:
    found = {}
    for name in EXPORTS:
        answer = await client.get(f"/bao-cao/{name}", params=RANGE)
        assert answer.status == 200
        found[name] = await answer.read()
    return found


async def test_a_rehearsal_order_reaches_no_report_export_queue_dashboard_or_courier(
    client: Client, db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    shop = await seed_sales(db)
    staff_id, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    director = StaffUser(staff_id, shop.tenant_id, login, login, StaffRole.DIRECTOR)
    await log_in(client, login)
    before = await exports(client)
    queue_before = await order_queue(pool, director, QueueFilter())
    session_id, _ = await rehearsal_of(pool, shop)
    kinds = [("delivered", "2026-03-01T05:00"), ("confirmed", "2026-03-01T06:00"),
             ("shipped", "2026-03-02T03:00"), ("packed", "2026-03-02T04:00")]  # fmt: skip
    made = {await sandbox_order(db, shop, session_id, status, at) for status, at in kinds}
    await db.execute(  # a rehearsal buyer with the real buyer's phone refused 5 parcels
        "INSERT INTO buyers (tenant_id, display_name, phone, returned_count, sandbox) "
        "VALUES ($1, 'Khách tập dượt', $2, 5, true)",
        shop.tenant_id, PHONE,
    )  # fmt: skip

    assert await exports(client) == before  # reports and tax CSV exports
    pdf = await client.get("/bao-cao/bao-cao.pdf", params=RANGE)  # the tax PDF
    assert pdf.status == 200
    text = pdf_text(await pdf.read())
    assert "Hoá đơn theo người mua (4 đơn)" in text and "Khách tập dượt" not in text
    queue = await order_queue(pool, director, QueueFilter())
    assert {r["id"] for r in queue.orders} == {r["id"] for r in queue_before.orders}
    assert not made & {r["id"] for r in (await order_queue(pool, director, QueueFilter(
        live=session_id))).orders}  # fmt: skip
    lives = await pool.fetch(query("staff_lives"), shop.tenant_id)
    assert session_id not in {r["id"] for r in lives}

    claimed = set()  # packing: claim next gives every real confirmed order, never the rehearsal's
    while (order_id := await claim_next(pool, director)) is not None:
        claimed.add(order_id)
    assert claimed and not claimed & made
    slips = await pool.fetch(query("session_orders_for_slips"), session_id)
    assert slips == []

    async with pool.acquire() as conn:
        dashboard = await load_dashboard(conn, shop.tenant_id, datetime.now(UTC))
    assert session_id not in {panel.facts.id for panel in dashboard.panels}

    packed = await db.fetchval(
        "SELECT id FROM orders WHERE session_id = $1 AND status = 'packed'", session_id
    )
    assert await create_shipment(pool, {}, packed, poll_after_s=60) is Outcome.SKIPPED  # type: ignore[arg-type]
    assert await db.fetchval("SELECT count(*) FROM shipments WHERE order_id = $1", packed) == 0
    assert await pool.fetch(query("packed_orders_without_shipment"), 0, 100) == []

    real = await add_order(db, shop, status="confirmed")  # to the real buyer's phone
    await db.execute("UPDATE orders SET recipient_phone = $2 WHERE id = $1", real, PHONE)
    risk = await pool.fetchrow(query("order_risk"), real)
    assert risk is not None and risk["returned"] == 0  # the rehearsal's refusals do not count


def manual_comment(target: Target, author: str, text: str, n: int) -> CommentEvent:
    return CommentEvent(
        platform=Platform.MANUAL, channel_external_id=target.channel_external_id,
        external_id=f"r{n}", external_live_id=target.external_live_id,
        author_external_id=author, author_name=f"Khách {author}", text=text,
        commented_at=datetime.now(UTC),
    )  # fmt: skip


async def test_a_replayed_phone_never_links_a_rehearsal_buyer_to_a_real_one(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, settings: Settings
) -> None:
    shop = await seed_shop(db, stock={"A01": 10})
    session_id, target = await rehearsal_of(pool, shop)
    async with Ingestor(pool, arq_pool) as ingestor:
        await ingestor.store([shop.comment(f"chốt A01 {PHONE}", "lan")])
        await ingestor.store([
            manual_comment(target, "facebook:lan", f"chốt A01 {PHONE}", 1),
            manual_comment(target, "zalo:lan", f"lấy 1 st25 {PHONE}", 2),
        ])  # fmt: skip
    await merge_session(pool, shop.session_id)
    await merge_session(pool, session_id)
    real = await db.fetchrow(
        "SELECT b.id, b.sandbox FROM orders o JOIN buyers b ON b.id = o.buyer_id "
        "WHERE o.session_id = $1", shop.session_id)  # fmt: skip
    rehearsal = await db.fetch(
        "SELECT o.id, b.id AS buyer_id, b.sandbox, b.phone FROM orders o "
        "JOIN buyers b ON b.id = o.buyer_id WHERE o.session_id = $1", session_id)  # fmt: skip
    assert real is not None and not real["sandbox"]
    assert rehearsal and {r["buyer_id"] for r in rehearsal} != {real["id"]}
    assert all(r["sandbox"] for r in rehearsal)
    # inside the sandbox, the phone still links the rehearsal's two identities to one buyer
    assert len({r["buyer_id"] for r in rehearsal}) == 1 and rehearsal[0]["phone"] == PHONE
    identities = await db.fetch(
        "SELECT DISTINCT buyer_id FROM buyer_identities WHERE phone = $1", PHONE)  # fmt: skip
    assert len(identities) == 2  # one real buyer, one sandbox buyer

    buyer = await load_buyer(pool, rehearsal[0]["id"])  # nothing is sent about a rehearsal
    assert buyer is not None and buyer.sandbox
    queued = await queue_for_buyer(pool, arq_pool, {}, buyer, BuyerMessage("k1", "Xin chào"))
    assert queued.message_id == 0
    assert await db.fetchval("SELECT count(*) FROM outbound_messages") == 0


async def test_the_rehearsal_channel_makes_sandbox_lives_and_replay_ends_them(
    db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    shop = await seed_shop(db, stock={"A01": 1})
    session_id, _ = await rehearsal_of(pool, shop)
    row = await db.fetchrow("SELECT sandbox, status FROM live_sessions WHERE id = $1", session_id)
    assert row is not None and row["sandbox"] and row["status"] == "live"
    real = await db.fetchval("SELECT sandbox FROM live_sessions WHERE id = $1", shop.session_id)
    assert real is False
    await pool.execute(query("end_sandbox_session"), session_id)
    await pool.execute(query("end_sandbox_session"), shop.session_id)  # never a real live
    ended = {r["id"]: r["status"] for r in await db.fetch("SELECT id, status FROM live_sessions")}
    assert ended == {session_id: "ended", shop.session_id: "live"}
