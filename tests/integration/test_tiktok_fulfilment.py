"""TikTok Shop orders follow TikTok's fulfilment: packed in chotdon, never booked on chotdon's
couriers; TikTok is told through its Fulfillment API (once, even when an answer is lost), its
label is kept for the packer, and the order follows TikTok's carrier."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import asyncpg
import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer
from arq import Retry
from arq.connections import ArqRedis
from arq.jobs import Job, JobStatus
from structlog.testing import capture_logs

from aggregator.platforms.tiktok.fulfilment import enqueue_fulfilment, fulfil_job_id
from aggregator.platforms.tiktok.orders import shop_client
from aggregator.runtime import jobs
from aggregator.runtime.queue import job_queue
from aggregator.settings import Settings
from aggregator.shipping.handoff import Outcome
from aggregator.staff.accounts import StaffUser
from aggregator.staff.packing import claim_next, pack_scanned
from aggregator.web.app import create_app
from connectors.tiktok.fulfillment import (
    DOCUMENT_PATH,
    SHIP_PATH,
    ShippingDocument,
    package_ids,
    ships_with_tiktok,
)
from schema.enums import StaffRole
from schema.queries import query
from tests.integration.test_tiktok_orders import apply_queued, deliver, our_order, stock_live
from tests.support.queues import drain_queues, expire_jobs
from tests.support.staff import add_staff, log_in
from tests.support.tiktok import TikTokRig, job_ctx, tiktok_rig
from tests.support.wire import WIRE
from workers.context import COURIERS
from workers.fulfilment_jobs import sweep_tiktok_fulfilments_job, tiktok_fulfil_job
from workers.shipping_jobs import create_shipment_job

Client = TestClient  # type: ignore[type-arg]
TIKTOK_ORDER = "5769001"
PACKAGE = f"pkg{TIKTOK_ORDER}"
FIXTURES = WIRE / "tiktok" / "fulfillment"


@pytest.fixture
async def rig(settings: Settings, db: asyncpg.Connection) -> AsyncIterator[TikTokRig]:
    async with tiktok_rig(settings, db) as made:
        yield made


async def packed_tiktok_order(
    rig: TikTokRig, db: asyncpg.Connection, pool: asyncpg.Pool, arq: ArqRedis
) -> tuple[int, StaffUser]:
    """A TikTok Shop order placed in the live, claimed and scanned packed by a packer."""
    await stock_live(db, rig, 5)
    rig.state.put_order(rig.shop.shop_id, TIKTOK_ORDER, "AWAITING_SHIPMENT")
    await deliver(rig, pool, arq, TIKTOK_ORDER)
    await apply_queued(rig, pool, arq)
    order = await our_order(db, TIKTOK_ORDER)
    tenant_id = order["tenant_id"]
    staff_id, login = await add_staff(db, tenant_id, StaffRole.PACKER)
    packer = StaffUser(staff_id, tenant_id, login, login, StaffRole.PACKER)
    assert await claim_next(pool, packer) == order["id"]
    assert await pack_scanned(pool, arq, packer, order["id"])
    return int(order["id"]), packer


def ctx_of(
    rig: TikTokRig, pool: asyncpg.Pool, arq: ArqRedis, job_try: int = 1
) -> dict[str, object]:
    return {**job_ctx(rig, pool, arq, job_try), COURIERS: {}}  # no courier may be asked


async def test_a_packed_tiktok_order_is_never_booked_and_tiktok_is_told_once(
    rig: TikTokRig, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    order_id, _ = await packed_tiktok_order(rig, db, pool, arq_pool)
    await arq_pool.flushdb()
    assert await create_shipment_job(ctx_of(rig, pool, arq_pool), order_id) == Outcome.PLATFORM
    assert await db.fetchval("SELECT count(*) FROM shipments") == 0
    queued = [j for j in await arq_pool.queued_jobs() if j.function == jobs.TIKTOK_FULFIL]
    assert [list(j.args) for j in queued] == [[order_id]]
    assert await pool.fetch(query("packed_orders_without_shipment"), 0, 100) == []  # no re-book

    assert await tiktok_fulfil_job(ctx_of(rig, pool, arq_pool), order_id) == "label_ready"
    assert await tiktok_fulfil_job(ctx_of(rig, pool, arq_pool), order_id) == "done"
    assert rig.state.ship_calls == {PACKAGE: 1}
    assert rig.state.orders[rig.shop.shop_id][TIKTOK_ORDER]["status"] == "AWAITING_COLLECTION"
    row = await db.fetchrow("SELECT * FROM tiktok_fulfilments WHERE order_id = $1", order_id)
    assert row["package_id"] == PACKAGE and row["label_pdf"].startswith(b"%PDF")
    assert row["tracking_number"].startswith("TTVN") and row["arranged_at"] is not None
    kinds = await db.fetch("SELECT kind FROM order_events WHERE order_id = $1", order_id)
    assert {"tiktok_shipment_arranged", "tiktok_label_stored"} <= {r["kind"] for r in kinds}
    assert "POST /fulfillment/202309/packages/pkg5769001/ship" in rig.state.calls


async def test_a_lost_answer_is_retried_without_arranging_the_package_twice(
    rig: TikTokRig, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    order_id, _ = await packed_tiktok_order(rig, db, pool, arq_pool)
    rig.state.lose_next_ship_answer = True  # TikTok arranges it, the answer never arrives
    with pytest.raises(Retry):
        await tiktok_fulfil_job(ctx_of(rig, pool, arq_pool), order_id)
    noted = await db.fetchrow("SELECT * FROM tiktok_fulfilments WHERE order_id = $1", order_id)
    assert noted["ship_requested_at"] is not None and noted["arranged_at"] is None
    assert noted["last_error"]
    assert await tiktok_fulfil_job(ctx_of(rig, pool, arq_pool, 2), order_id) == "label_ready"
    assert rig.state.ship_calls == {PACKAGE: 1}  # read as arranged at TikTok, not sent again


async def test_the_sweeper_resumes_a_lost_job_and_the_order_follows_tiktoks_carrier(
    rig: TikTokRig, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    order_id, _ = await packed_tiktok_order(rig, db, pool, arq_pool)
    await db.execute("UPDATE orders SET updated_at = now() - interval '5 minutes'")
    await arq_pool.flushdb()
    assert await sweep_tiktok_fulfilments_job(ctx_of(rig, pool, arq_pool)) == 1
    assert await arq_pool.exists(f"arq:job:{fulfil_job_id(order_id)}")
    assert await tiktok_fulfil_job(ctx_of(rig, pool, arq_pool), order_id) == "label_ready"
    assert await sweep_tiktok_fulfilments_job(ctx_of(rig, pool, arq_pool)) == 0

    for status, ours in (("IN_TRANSIT", "shipped"), ("DELIVERED", "delivered")):
        rig.state.put_order(rig.shop.shop_id, TIKTOK_ORDER, status)
        await deliver(rig, pool, arq_pool, TIKTOK_ORDER)
        await apply_queued(rig, pool, arq_pool)
        assert (await our_order(db, TIKTOK_ORDER))["status"] == ours
    assert await db.fetchval("SELECT count(*) FROM shipments") == 0


async def test_a_fulfil_job_arq_found_expired_does_not_block_the_sweeper(
    rig: TikTokRig, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    """The job id is the order's alone, and the sweeper enqueues under it. A job arq found expired
    (Redis flushed between a worker's poll and its read of the job) leaves a failure record arq
    keeps an hour, whatever the job's keep_result=0: the sweeper clears it and the label comes."""
    order_id, _ = await packed_tiktok_order(rig, db, pool, arq_pool)
    await db.execute("UPDATE orders SET updated_at = now() - interval '5 minutes'")
    await arq_pool.flushdb()
    await enqueue_fulfilment(arq_pool, order_id)
    job_id = fulfil_job_id(order_id)
    assert await expire_jobs(rig.settings, arq_pool, jobs.TIKTOK_FULFIL, job_id) == 1

    with capture_logs() as logs:
        assert await sweep_tiktok_fulfilments_job(ctx_of(rig, pool, arq_pool)) == 1
    outbound = job_queue(arq_pool, jobs.TIKTOK_FULFIL)
    assert await Job(job_id, arq_pool, _queue_name=outbound).status() is JobStatus.queued
    cleared = [e for e in logs if e["event"] == "queue.failure_record_cleared"]
    assert [(e["function"], e["job_id"]) for e in cleared] == [(jobs.TIKTOK_FULFIL, job_id)]
    await drain_queues(rig.settings)
    label = await db.fetchval(
        "SELECT label_at FROM tiktok_fulfilments WHERE order_id = $1", order_id
    )
    assert label is not None
    assert rig.state.ship_calls == {PACKAGE: 1}
    assert await sweep_tiktok_fulfilments_job(ctx_of(rig, pool, arq_pool)) == 0


async def test_a_tiktok_order_that_is_not_packed_is_not_arranged(
    rig: TikTokRig, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    await stock_live(db, rig, 5)
    rig.state.put_order(rig.shop.shop_id, TIKTOK_ORDER, "AWAITING_SHIPMENT")
    await deliver(rig, pool, arq_pool, TIKTOK_ORDER)
    await apply_queued(rig, pool, arq_pool)
    order = await our_order(db, TIKTOK_ORDER)
    assert await tiktok_fulfil_job(ctx_of(rig, pool, arq_pool), order["id"]) == "not_packed"
    rig.state.put_order(rig.shop.shop_id, TIKTOK_ORDER, "IN_TRANSIT")  # shipped outside chotdon
    await deliver(rig, pool, arq_pool, TIKTOK_ORDER)
    await apply_queued(rig, pool, arq_pool)
    assert (await our_order(db, TIKTOK_ORDER))["status"] == "confirmed"  # never jumps ahead
    assert rig.state.ship_calls == {}


async def test_the_packer_sees_and_prints_tiktoks_label(
    rig: TikTokRig, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    order_id, packer = await packed_tiktok_order(rig, db, pool, arq_pool)
    async with TestClient(TestServer(create_app(rig.settings))) as client:
        await log_in(client, packer.login)
        waiting = await (await client.get(f"/dong-goi/{order_id}")).text()
        assert "TikTok giao hàng" in waiting and 'id="tiktok-label"' not in waiting
        assert 'id="courier-label"' not in waiting  # no courier of ours for this parcel
        assert (await client.get(f"/dong-goi/{order_id}/nhan-tiktok.pdf")).status == 404
        await tiktok_fulfil_job(ctx_of(rig, pool, arq_pool), order_id)
        ready = await (await client.get(f"/dong-goi/{order_id}")).text()
        assert 'id="tiktok-label"' in ready and "TTVN" in ready
        label = await client.get(f"/dong-goi/{order_id}/nhan-tiktok.pdf")
        assert label.status == 200 and label.content_type == "application/pdf"
        assert (await label.read()).startswith(b"%PDF")


def fixture(name: str) -> dict[str, Any]:
    return dict(orjson.loads((FIXTURES / name).read_bytes()))


def test_the_documented_shapes_read_as_chotdon_expects() -> None:
    order = fixture("order_detail_fulfillment_fields.json")
    assert package_ids(order) == ["1152321127278713123"] and ships_with_tiktok(order)
    assert not ships_with_tiktok({**order, "shipping_type": "SELLER"})
    document = ShippingDocument.model_validate(
        fixture("get_package_shipping_document.json")["data"]
    )
    assert document.doc_url.startswith("https://") and document.tracking_number


async def test_the_simulator_answers_in_the_documented_shapes(
    rig: TikTokRig, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    await packed_tiktok_order(rig, db, pool, arq_pool)
    async with aiohttp.ClientSession() as http:
        client = shop_client(http, rig.settings)
        token, cipher = rig.shop.token, rig.shop.cipher
        [(_, raw)] = await client.get_orders(token, cipher, [TIKTOK_ORDER])
        documented = fixture("order_detail_fulfillment_fields.json")
        assert {"shipping_type", "packages"} <= set(raw) and raw["packages"] == [{"id": PACKAGE}]
        assert set(raw["packages"][0]) == set(documented["packages"][0])
        ship = SHIP_PATH.format(package_id=PACKAGE)
        body = {"handover_method": "PICKUP"}
        shipped = await client.call("POST", ship, token=token, shop_cipher=cipher, json=body)
        assert shipped == fixture("ship_package.json")["data"]
        data = await client.call(
            "GET", DOCUMENT_PATH.format(package_id=PACKAGE), token=token, shop_cipher=cipher,
            query={"document_type": "SHIPPING_LABEL", "document_size": "A6"},
        )  # fmt: skip
        assert set(data) == set(fixture("get_package_shipping_document.json")["data"])
