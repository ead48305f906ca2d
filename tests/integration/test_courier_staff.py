"""Couriers on the staff side: an address the courier refuses puts the order in needs_address
with the courier's message; staff correct it and the parcel is booked exactly once; an old
address is converted (or sent to staff); the block list; the courier's own label."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from arq.connections import ArqRedis
from arq.jobs import Job, JobStatus

from aggregator.confirmation.addresses import divisions
from aggregator.orders.risk import order_risk
from aggregator.runtime import jobs
from aggregator.runtime.queue import job_queue
from aggregator.settings import Settings
from aggregator.shipping.handoff import (
    SWEEP_BUCKET_S,
    Outcome,
    enqueue_shipments,
    mark_packed,
    sweep_unshipped,
)
from aggregator.web.app import create_app
from connectors.simulators.couriers import CourierSimulator
from schema.enums import Courier, StaffRole
from tests.support.factories import seed_shop
from tests.support.queues import drain_queues, expire_jobs
from tests.support.shipping import (
    book,
    courier_settings,
    running_simulator,
    seed_packing_orders,
)
from tests.support.staff import add_staff, log_in

Client = TestClient  # type: ignore[type-arg]
THANH_HOA = next(p.code for p in divisions().provinces if p.name == "Thanh Hóa")
HAC_THANH = next(w.code for w in divisions().wards[THANH_HOA] if w.name == "Phường Hạc Thành")
QUANG_PHU = next(w.code for w in divisions().wards[THANH_HOA] if w.name == "Phường Quảng Phú")


@pytest.fixture
async def simulator() -> AsyncIterator[CourierSimulator]:
    async with running_simulator() as sim:
        yield sim


@pytest.fixture
def ship_settings(settings: Settings, simulator: CourierSimulator) -> Settings:
    return courier_settings(settings, simulator)


@pytest.fixture
async def client(ship_settings: Settings) -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_app(ship_settings))) as test_client:
        yield test_client


async def drain(settings: Settings) -> None:
    await drain_queues(settings)


async def test_a_refused_address_waits_for_staff_and_the_fix_books_one_parcel(
    db: asyncpg.Connection,
    pool: asyncpg.Pool,
    arq_pool: ArqRedis,
    ship_settings: Settings,
    simulator: CourierSimulator,
    client: Client,
) -> None:
    shop = await seed_shop(db)
    (order_id,) = await seed_packing_orders(db, shop, 1, Courier.GHN)
    simulator.faults.refused_wards = frozenset({"Phường Hạc Thành"})
    await db.execute("UPDATE orders SET status = 'packed' WHERE id = $1", order_id)
    assert await book(pool, ship_settings, order_id) is Outcome.REJECTED
    assert await db.fetchval("SELECT status FROM orders WHERE id = $1", order_id) == "needs_address"
    # The sweeper leaves it alone: it is no longer a packed order without a parcel.
    assert await sweep_unshipped(pool, arq_pool, stale_after_s=0) == 0

    _, login = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    csrf = await log_in(client, login)
    page = await (await client.get(f"/don/{order_id}")).text()
    assert "Cần sửa địa chỉ" in page and "Phường/Xã không hợp lệ" in page  # GHN's own words
    wrong = await client.post(
        f"/don/{order_id}/dia-chi",
        data={"csrf": csrf, "province": THANH_HOA, "ward": "99999", "address": "12 Lê Lợi"},
    )
    assert "Vui lòng chọn phường/xã thuộc tỉnh/thành phố đã chọn." in await wrong.text()
    assert await db.fetchval("SELECT status FROM orders WHERE id = $1", order_id) == "needs_address"

    fix = {"csrf": csrf, "province": THANH_HOA, "ward": QUANG_PHU, "address": "12 Lê Lợi"}
    answers = await asyncio.gather(
        *(client.post(f"/don/{order_id}/dia-chi", data=fix, allow_redirects=False)
          for _ in range(3))
    )  # fmt: skip  # three taps of the button at once
    places = sorted(a.headers["Location"] for a in answers)
    assert places == [f"/don/{order_id}?done=address"] + [f"/don/{order_id}?done=refused"] * 2
    await drain(ship_settings)
    assert await db.fetchval("SELECT status FROM orders WHERE id = $1", order_id) == "packed"
    live = await db.fetch("SELECT status FROM shipments WHERE order_id = $1 AND status <> "
                          "'cancelled'", order_id)  # fmt: skip
    assert [r["status"] for r in live] == ["created"]
    assert simulator.count() == 1
    parcel = next(iter(simulator.parcels.values()))
    assert (parcel.body["to_ward_name"], parcel.body["to_province_name"]) == (
        "Phường Quảng Phú", "Thanh Hóa"
    )  # fmt: skip
    assert await db.fetchval(
        "SELECT count(*) FROM order_events WHERE order_id = $1 AND to_status = 'packed' "
        "AND reason = 'sửa địa chỉ'", order_id,
    ) == 1  # fmt: skip


async def test_an_old_address_is_converted_before_booking_or_sent_to_staff(
    db: asyncpg.Connection, pool: asyncpg.Pool, ship_settings: Settings, simulator: CourierSimulator
) -> None:
    shop = await seed_shop(db)
    certain, split = await seed_packing_orders(db, shop, 2, Courier.GHN)
    await db.execute(
        "UPDATE orders SET status = 'packed', province_code = NULL, ward_code = NULL, "
        "address_line = CASE WHEN id = $1 "
        "THEN 'Số 5 ngõ 3, Xã Vũ Chính, Thành phố Thái Bình, Tỉnh Thái Bình' "
        "ELSE '7 Kim Mã, Phường Đội Cấn, Quận Ba Đình, Hà Nội' END WHERE id = ANY($2)",
        certain, [certain, split],
    )  # fmt: skip
    assert await book(pool, ship_settings, certain) is Outcome.CREATED
    order = await db.fetchrow("SELECT * FROM orders WHERE id = $1", certain)
    assert (order["province_code"], order["ward_code"], order["address_line"]) == (
        "33", "12454", "Số 5 ngõ 3"
    )  # fmt: skip
    parcel = simulator.parcels[(Courier.GHN, order["order_no"])]
    assert parcel.body["to_ward_name"] == "Phường Trần Lãm"
    assert await db.fetchval(
        "SELECT data->>'old' FROM order_events WHERE order_id = $1 AND kind = 'address_converted'",
        certain,
    ) == "Số 5 ngõ 3, Xã Vũ Chính, Thành phố Thái Bình, Tỉnh Thái Bình"  # fmt: skip

    assert await book(pool, ship_settings, split) is Outcome.NEEDS_ADDRESS
    row = await db.fetchrow("SELECT status, address_line FROM orders WHERE id = $1", split)
    assert row["status"] == "needs_address"
    assert row["address_line"] == "7 Kim Mã, Phường Đội Cấn, Quận Ba Đình, Hà Nội"  # kept as typed
    reason = await db.fetchval(
        "SELECT reason FROM order_events WHERE order_id = $1 AND to_status = 'needs_address'", split
    )
    assert "Phường Ba Đình" in reason and "Phường Ngọc Hà" in reason
    assert simulator.count() == 1


async def test_a_blocked_phone_gets_no_cod_parcel_and_the_director_manages_the_list(
    db: asyncpg.Connection,
    pool: asyncpg.Pool,
    arq_pool: ArqRedis,
    ship_settings: Settings,
    simulator: CourierSimulator,
    client: Client,
) -> None:
    shop = await seed_shop(db)
    order_id, other = await seed_packing_orders(db, shop, 2, Courier.GHTK)
    phone = await db.fetchval("SELECT recipient_phone FROM orders WHERE id = $1", order_id)
    _, director = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    _, clerk = await add_staff(db, shop.tenant_id, StaffRole.STAFF)

    csrf = await log_in(client, clerk)
    assert (await client.get("/chan")).status == 403
    csrf = await log_in(client, director)
    bad = await client.post("/chan/them", data={"csrf": csrf, "phone": "12345", "reason": ""})
    assert bad.status == 422 and "Số điện thoại phải là số di động" in await bad.text()
    spaced = f"+84 {phone[1:4]} {phone[4:7]} {phone[7:]}"
    added = await client.post(
        "/chan/them", data={"csrf": csrf, "phone": spaced, "reason": "Bom hàng 3 lần"}
    )
    assert "Bom hàng 3 lần" in await added.text()
    assert await db.fetchval("SELECT phone FROM blocked_phones") == phone  # normalised
    async with pool.acquire() as conn:  # the buyer page offers VietQR only (no COD)
        risk = await order_risk(conn, order_id)
    assert risk.blocked and risk.prepay_required

    queue = await (await client.get("/don")).text()
    assert queue.count("Chặn COD") == 1
    page = await (await client.get(f"/don/{order_id}")).text()
    assert "nằm trong danh sách chặn" in page and "Rủi ro bom hàng" in page

    # The money gate (0019): a blocked buyer's unpaid order is not even packed.
    assert await mark_packed(pool, arq_pool, [order_id, other], actor="staff:test") == [other]
    await drain(ship_settings)
    assert simulator.count() == 1  # only the other buyer's parcel
    assert await db.fetchval("SELECT status FROM orders WHERE id = $1", order_id) == "packing"
    assert await sweep_unshipped(pool, arq_pool, stale_after_s=0) == 0  # waits for a transfer

    await client.post("/chan/bo", data={"csrf": csrf, "phone": phone})
    assert await db.fetchval("SELECT count(*) FROM blocked_phones") == 0
    assert await mark_packed(pool, arq_pool, [order_id], actor="staff:test") == [order_id]
    await drain(ship_settings)
    assert simulator.count() == 2


async def test_the_courier_label_opens_from_the_order_page(
    db: asyncpg.Connection,
    pool: asyncpg.Pool,
    ship_settings: Settings,
    simulator: CourierSimulator,
    client: Client,
) -> None:
    shop = await seed_shop(db)
    ghtk_order, unbooked = await seed_packing_orders(db, shop, 2, Courier.GHTK)
    shop2 = await seed_shop(db)
    (ghn_order,) = await seed_packing_orders(db, shop2, 1, Courier.GHN, first_phone=500)
    await db.execute("UPDATE orders SET status = 'packed' WHERE id = ANY($1)",
                     [ghtk_order, ghn_order])  # fmt: skip
    for order_id in (ghtk_order, ghn_order):
        assert await book(pool, ship_settings, order_id) is Outcome.CREATED

    _, packer = await add_staff(db, shop.tenant_id, StaffRole.PACKER)
    await log_in(client, packer)
    pdf = await client.get(f"/don/{ghtk_order}/nhan-van-chuyen")
    assert pdf.status == 200 and pdf.content_type == "application/pdf"
    assert (await pdf.read()).startswith(b"%PDF")
    assert (await client.get(f"/don/{unbooked}/nhan-van-chuyen")).status == 409
    assert (await client.get(f"/don/{ghn_order}/nhan-van-chuyen")).status == 404  # not theirs

    _, staff2 = await add_staff(db, shop2.tenant_id, StaffRole.STAFF)
    await log_in(client, staff2)
    assert "In nhãn của hãng vận chuyển" in await (await client.get(f"/don/{ghn_order}")).text()
    ghn = await client.get(f"/don/{ghn_order}/nhan-van-chuyen", allow_redirects=False)
    assert ghn.status == 303 and "/a5/public-api/printA5?token=" in ghn.headers["Location"]
    async with aiohttp.ClientSession() as browser, browser.get(ghn.headers["Location"]) as printed:
        page = await printed.text()
    tracking = await db.fetchval("SELECT tracking_code FROM shipments WHERE order_id = $1",
                                 ghn_order)  # fmt: skip
    assert printed.status == 200 and tracking in page  # the simulator's GHN print page


async def test_viettelpost_labels_print_on_its_own_print_host(
    db: asyncpg.Connection, pool: asyncpg.Pool, ship_settings: Settings, client: Client
) -> None:
    shop = await seed_shop(db)
    (order_id,) = await seed_packing_orders(db, shop, 1, Courier.VIETTELPOST)
    await db.execute("UPDATE orders SET status = 'packed' WHERE id = $1", order_id)
    assert await book(pool, ship_settings, order_id) is Outcome.CREATED
    _, packer = await add_staff(db, shop.tenant_id, StaffRole.PACKER)
    await log_in(client, packer)
    answer = await client.get(f"/don/{order_id}/nhan-van-chuyen", allow_redirects=False)
    location = answer.headers["Location"]
    assert location.startswith(ship_settings.viettelpost_print_url + "?type=2&bill=")
    async with aiohttp.ClientSession() as browser, browser.get(location) as printed:
        page = await printed.text()
    waybill = await db.fetchval("SELECT tracking_code FROM shipments WHERE order_id = $1", order_id)
    assert printed.status == 200 and waybill in page


async def test_the_sweep_adds_no_second_job_for_an_order_still_waiting_in_the_queue(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    """Workers behind: the orders' booking jobs wait in the queue, and each sweep must not pile
    another copy on them. A job a worker started (maybe on a worker since killed) or a job gone
    with Redis's data gets its order re-enqueued."""
    shop = await seed_shop(db)
    ids = await seed_packing_orders(db, shop, 3, Courier.GHN)
    await db.execute("UPDATE orders SET status = 'packed' WHERE id = ANY($1::bigint[])", ids)
    assert await enqueue_shipments(arq_pool, ids) == 3  # as packing them does
    queue = job_queue(arq_pool, jobs.CREATE_SHIPMENT)  # the outbound queue
    assert await arq_pool.zcard(queue) == 3
    for _ in range(3):  # the workers are behind: later sweeps add nothing
        assert await sweep_unshipped(pool, arq_pool, stale_after_s=0) == 0
    assert await arq_pool.zcard(queue) == 3

    started = next(m for m in await arq_pool.zrange(queue, 0, -1) if str(ids[0]).encode() in m)
    await arq_pool.set(b"arq:in-progress:" + started, b"1")  # started, perhaps on a dead worker
    assert await sweep_unshipped(pool, arq_pool, stale_after_s=0) == 1
    await arq_pool.flushdb()  # Redis lost everything
    assert await sweep_unshipped(pool, arq_pool, stale_after_s=0) == 3


async def _sweep_bucket_with_time_left(left_s: float = 5.0) -> int:
    """The sweep's job-id bucket, waiting for the next one when this one ends within `left_s`."""
    now = time.time()
    if SWEEP_BUCKET_S - now % SWEEP_BUCKET_S < left_s:
        await asyncio.sleep(SWEEP_BUCKET_S - now % SWEEP_BUCKET_S + 0.01)
    return int(time.time() // SWEEP_BUCKET_S)


async def test_a_booking_job_arq_found_expired_does_not_block_the_next_sweep(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, ship_settings: Settings,
    simulator: CourierSimulator,
) -> None:  # fmt: skip
    """A sweep's booking job that arq found expired (Redis flushed between a worker's poll and its
    read of the job) leaves a failure record arq keeps an hour, whatever create_shipment's
    keep_result=0. A sweep in the same bucket enqueues under the same id: the record is cleared
    and the parcel booked, once."""
    shop = await seed_shop(db)
    (order_id,) = await seed_packing_orders(db, shop, 1, Courier.GHN)
    await db.execute("UPDATE orders SET status = 'packed' WHERE id = $1", order_id)
    bucket = await _sweep_bucket_with_time_left()
    assert await sweep_unshipped(pool, arq_pool, stale_after_s=0) == 1
    queue = job_queue(arq_pool, jobs.CREATE_SHIPMENT)
    (job_id,) = [m.decode() for m in await arq_pool.zrange(queue, 0, -1)]
    assert await expire_jobs(ship_settings, arq_pool, jobs.CREATE_SHIPMENT, job_id) == 1
    assert simulator.count() == 0  # never tried

    assert await sweep_unshipped(pool, arq_pool, stale_after_s=0) == 1
    assert int(time.time() // SWEEP_BUCKET_S) == bucket  # the same job id, or this proves nothing
    assert await Job(job_id, arq_pool, _queue_name=queue).status() is JobStatus.queued
    await drain_queues(ship_settings)
    assert await db.fetchval("SELECT status FROM shipments WHERE order_id = $1", order_id) == (
        "created"
    )
    assert simulator.count() == 1
