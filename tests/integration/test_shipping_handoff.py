"""Exactly-once hand-off: 1,000 packed orders, a courier that times out after accepting 10 % of
creates, a `chotdon worker` killed mid-run → exactly 1,000 shipments and 1,000 parcels."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from collections.abc import AsyncIterator

import asyncpg
import pytest
from arq.connections import ArqRedis

from aggregator.runtime import jobs
from aggregator.settings import Settings
from aggregator.shipping.couriers import Couriers
from aggregator.shipping.handoff import Outcome, create_shipment, mark_packed, sweep_unshipped
from connectors.simulators.couriers import CourierSimulator, Faults
from schema.enums import Courier
from tests.support.factories import seed_shop
from tests.support.processes import REPO, chotdon, cli_env
from tests.support.shipping import TOKENS, courier_env, courier_settings, seed_packing_orders
from workers.settings import build_worker

SPLIT = {Courier.GHN: 400, Courier.GHTK: 300, Courier.VIETTELPOST: 300}


@pytest.fixture
async def simulator() -> AsyncIterator[CourierSimulator]:
    sim = CourierSimulator(TOKENS, Faults(timeout_after_accept=0.10, stall_s=2.0))
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


async def made(db: asyncpg.Connection) -> int:
    return await db.fetchval("SELECT count(*) FROM shipments WHERE status = 'created'")


async def kill_worker_midway(settings: Settings, db: asyncpg.Connection, total: int) -> int:
    """Run a real `chotdon worker`, SIGKILL it once some (not all) shipments exist."""
    env = cli_env(**courier_env(settings))
    worker = subprocess.Popen(
        chotdon("worker"), env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(600):
            if await made(db) >= total // 5:
                break
            await asyncio.sleep(0.05)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    return await made(db)


async def finish_with_sweeper(
    settings: Settings, pool: asyncpg.Pool, arq: ArqRedis, db: asyncpg.Connection, total: int
) -> None:
    worker = build_worker(  # bookings run on the outbound queue
        settings, jobs.OUTBOUND, poll_delay=0.02, handle_signals=False, cron_jobs=[]
    )
    running = asyncio.create_task(worker.main())
    try:
        deadline = time.monotonic() + 45
        while await made(db) < total:
            assert time.monotonic() < deadline, f"only {await made(db)} shipments after 45 s"
            await sweep_unshipped(pool, arq, stale_after_s=1.0)
            await asyncio.sleep(0.5)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        # Jobs still running (re-bookings the sweeper queued after the last parcel was made) are
        # cancelled by close(), whose gather then raises their CancelledError.
        with contextlib.suppress(asyncio.CancelledError):
            await worker.close()


async def test_thousand_orders_make_exactly_thousand_parcels_despite_timeouts_and_a_kill(
    db: asyncpg.Connection,
    pool: asyncpg.Pool,
    arq_pool: ArqRedis,
    settings: Settings,
    simulator: CourierSimulator,
) -> None:
    settings = courier_settings(settings, simulator)
    order_ids: list[int] = []
    for n, (courier, count) in enumerate(SPLIT.items()):
        shop = await seed_shop(db)
        order_ids += await seed_packing_orders(db, shop, count, courier, first_phone=n * 10_000)
    total = len(order_ids)
    started = time.perf_counter()
    assert len(await mark_packed(pool, arq_pool, order_ids, actor="staff:test")) == total

    at_kill = await kill_worker_midway(settings, db, total)
    assert 0 < at_kill < total, "the worker should die in the middle of the work"
    await finish_with_sweeper(settings, pool, arq_pool, db, total)
    elapsed = time.perf_counter() - started

    live = await db.fetchval("SELECT count(*) FROM shipments WHERE status <> 'cancelled'")
    assert live == total == await db.fetchval("SELECT count(DISTINCT order_id) FROM shipments")
    assert simulator.count() == total
    for courier, count in SPLIT.items():
        assert simulator.count(courier) == count
    # Every tracking code we stored is the courier's code for that order's parcel.
    rows = await db.fetch("SELECT courier, client_order_code, tracking_code FROM shipments")
    for r in rows:
        parcel = simulator.parcels[(Courier(r["courier"]), r["client_order_code"])]
        assert r["tracking_code"] in (parcel.tracking_code, None)
        if r["courier"] != Courier.VIETTELPOST:  # VTP tells the waybill of a retry by webhook
            assert r["tracking_code"] == parcel.tracking_code
    assert simulator.stalled >= total // 20
    print(
        f"\n{total} orders: {at_kill} shipments when the worker was killed, "
        f"{simulator.stalled} creates timed out after accepting, "
        f"{simulator.create_calls} create calls, all done in {elapsed:.1f} s"
    )


async def test_a_retried_create_after_a_timeout_recovers_the_parcel(
    db: asyncpg.Connection, pool: asyncpg.Pool, settings: Settings, simulator: CourierSimulator
) -> None:
    settings = courier_settings(settings, simulator, courier_timeout_s=0.2)
    simulator.faults.timeout_after_accept = 1.0
    shop = await seed_shop(db)
    (order_id,) = await seed_packing_orders(db, shop, 1, Courier.GHTK)
    await db.execute("UPDATE orders SET status = 'packed' WHERE id = $1", order_id)
    couriers = Couriers.open(settings)
    try:
        with pytest.raises(Exception, match="timed out"):
            await create_shipment(pool, couriers, order_id, poll_after_s=60)
        assert await db.fetchval("SELECT status FROM shipments") == "creating"
        simulator.faults.timeout_after_accept = 0.0
        again = await create_shipment(pool, couriers, order_id, poll_after_s=60)
        assert again is Outcome.RECOVERED
        assert await create_shipment(pool, couriers, order_id, poll_after_s=60) is Outcome.ALREADY
    finally:
        await couriers.close()
    assert simulator.count() == 1
    assert await db.fetchval("SELECT count(*) FROM shipments") == 1
