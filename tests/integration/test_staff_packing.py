"""Packing: claim next (no two packers ever get the same order), pick list, barcode scan ->
packed through the hand-off module, which enqueues the courier booking after commit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from arq.connections import ArqRedis

from aggregator.settings import Settings
from aggregator.shipping.handoff import shipment_job_id
from aggregator.staff.accounts import StaffUser
from aggregator.staff.packing import claim_next
from aggregator.web.app import create_app
from schema.enums import StaffRole
from tests.support.factories import seed_shop
from tests.support.pdf import pdf_text
from tests.support.staff import add_order, add_staff, log_in

Client = TestClient  # type: ignore[type-arg]


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_app(settings))) as test_client:
        yield test_client


async def test_twenty_concurrent_claims_never_share_an_order(
    db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    shop = await seed_shop(db)
    orders = {await add_order(db, shop, status="confirmed") for _ in range(15)}
    packers = [
        StaffUser(staff_id, shop.tenant_id, login, login, StaffRole.PACKER)
        for staff_id, login in [
            await add_staff(db, shop.tenant_id, StaffRole.PACKER) for _ in range(20)
        ]
    ]
    claims = await asyncio.gather(*(claim_next(pool, packer) for packer in packers))
    given = [c for c in claims if c is not None]
    assert len(given) == len(set(given)) == 15 and set(given) == orders
    rows = await db.fetch("SELECT id, status, claimed_by FROM orders")
    owner = dict(zip(claims, [p.id for p in packers], strict=True))
    for row in rows:
        assert row["status"] == "packing" and row["claimed_by"] == owner[row["id"]]
    events = await db.fetchval("SELECT count(*) FROM order_events WHERE to_status = 'packing'")
    assert events == 15


async def test_claim_pick_and_scan_to_packed(
    client: Client, db: asyncpg.Connection, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db)
    await add_order(db, shop, status="awaiting_confirmation")  # not ready: never handed out
    order_id = await add_order(db, shop, status="confirmed")
    packer_id, packer = await add_staff(db, shop.tenant_id, StaffRole.PACKER)
    csrf = await log_in(client, packer)
    assert (await client.get("/don")).status == 403  # a packer works the packing pages only
    assert (await client.post("/dong-goi/nhan", data={"csrf": "x"})).status == 403
    claimed = await client.post("/dong-goi/nhan", data={"csrf": csrf}, allow_redirects=False)
    assert claimed.headers["Location"] == f"/dong-goi/{order_id}"
    pick = await (await client.get(f"/dong-goi/{order_id}")).text()
    assert "Gạo ST25" in pick and 'id="barcode"' in pick
    home = await (await client.get("/dong-goi")).text()
    assert f'href="/dong-goi/{order_id}"' in home
    order_no = await db.fetchval("SELECT order_no FROM orders WHERE id = $1", order_id)
    wrong = await client.post(
        f"/dong-goi/{order_id}/quet", data={"csrf": csrf, "barcode": "CD9999999"}
    )
    assert wrong.status == 422 and "không khớp" in await wrong.text()
    no_csrf = await client.post(f"/dong-goi/{order_id}/quet", data={"barcode": order_no})
    assert no_csrf.status == 403
    packed = await client.post(
        f"/dong-goi/{order_id}/quet", data={"csrf": csrf, "barcode": f" {order_no.lower()}\n"}
    )
    assert packed.status == 200 and "Đã đóng gói xong" in await packed.text()
    row = await db.fetchrow("SELECT status, claimed_by FROM orders WHERE id = $1", order_id)
    assert dict(row) == {"status": "packed", "claimed_by": packer_id}
    assert await arq_pool.exists(f"arq:job:{shipment_job_id(order_id)}")
    again = await client.post(
        f"/dong-goi/{order_id}/quet", data={"csrf": csrf, "barcode": order_no}
    )
    assert again.status == 409
    nothing = await client.post("/dong-goi/nhan", data={"csrf": csrf})
    assert "Không còn đơn nào" in await nothing.text()


async def test_the_packer_prints_the_claimed_orders_slip(
    client: Client, db: asyncpg.Connection
) -> None:
    shop, other = await seed_shop(db), await seed_shop(db)
    order_id = await add_order(db, shop, status="confirmed")
    foreign = await add_order(db, other, status="confirmed")
    _, packer = await add_staff(db, shop.tenant_id, StaffRole.PACKER)
    csrf = await log_in(client, packer)
    await client.post("/dong-goi/nhan", data={"csrf": csrf})
    pick = await (await client.get(f"/dong-goi/{order_id}")).text()
    assert f'href="/dong-goi/{order_id}/phieu.pdf"' in pick and 'id="auto-print"' in pick
    answer = await client.get(f"/dong-goi/{order_id}/phieu.pdf")
    assert answer.status == 200 and answer.content_type == "application/pdf"
    text = pdf_text(await answer.read())
    order_no = await db.fetchval("SELECT order_no FROM orders WHERE id = $1", order_id)
    assert order_no in text and "Gạo ST25" in text
    # another cooperative's order, or one not yet being packed, has no slip here
    assert (await client.get(f"/dong-goi/{foreign}/phieu.pdf")).status == 404
    waiting = await add_order(db, shop, status="awaiting_confirmation")
    assert (await client.get(f"/dong-goi/{waiting}/phieu.pdf")).status == 404


async def test_only_the_claiming_packer_or_a_director_packs_an_order(
    client: Client, db: asyncpg.Connection
) -> None:
    shop = await seed_shop(db)
    order_id = await add_order(db, shop, status="confirmed")
    order_no = await db.fetchval("SELECT order_no FROM orders WHERE id = $1", order_id)
    claimer_id, claimer = await add_staff(db, shop.tenant_id, StaffRole.PACKER)
    csrf = await log_in(client, claimer)
    await client.post("/dong-goi/nhan", data={"csrf": csrf})
    for role in (StaffRole.PACKER, StaffRole.STAFF):
        _, other = await add_staff(db, shop.tenant_id, role)
        csrf = await log_in(client, other)
        scan = await client.post(
            f"/dong-goi/{order_id}/quet", data={"csrf": csrf, "barcode": order_no}
        )
        assert scan.status == 403 and "người khác nhận" in await scan.text()
        row = await db.fetchrow("SELECT status, claimed_by FROM orders WHERE id = $1", order_id)
        assert dict(row) == {"status": "packing", "claimed_by": claimer_id}
    _, director = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    csrf = await log_in(client, director)
    scan = await client.post(f"/dong-goi/{order_id}/quet", data={"csrf": csrf, "barcode": order_no})
    assert scan.status == 200 and "Đã đóng gói xong" in await scan.text()
    assert await db.fetchval("SELECT status FROM orders WHERE id = $1", order_id) == "packed"
