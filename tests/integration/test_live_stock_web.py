"""Mid-live restock from the live page: never below what buyers hold; what is added goes to the
waitlist first (head of the queue first), those orders' totals follow and their buyers are told;
another cooperative's live is a 404 and changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from arq.connections import ArqRedis

from aggregator.ingest.pipeline import Ingestor
from aggregator.orders.merge import merge_session
from aggregator.runtime import jobs
from aggregator.runtime.queue import job_queue
from aggregator.settings import Settings
from aggregator.web.app import create_app
from schema.enums import StaffRole
from tests.support.factories import Shop, seed_shop
from tests.support.invariants import assert_consistent
from tests.support.staff import add_staff, log_in

Client = TestClient[Any, Any]
BUYERS = ("lan", "hoa", "mai")  # each writes "chốt A01 x2" in this order; stock 2


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_app(settings))) as test_client:
        yield test_client


async def _live_with_a_waitlist(db: asyncpg.Connection, pool: asyncpg.Pool, arq: ArqRedis) -> Shop:
    shop = await seed_shop(db, stock={"A01": 2})
    async with Ingestor(pool, arq) as ingestor:
        await ingestor.submit_many([shop.comment("chốt A01 x2", b) for b in BUYERS])
    await merge_session(pool, shop.session_id)
    return shop


async def _lines(db: asyncpg.Connection, shop: Shop) -> dict[str, tuple[str, int]]:
    rows = await db.fetch(
        "SELECT b.external_user_id AS who, i.status, o.total_vnd FROM order_items i "
        "JOIN orders o ON o.id = i.order_id JOIN buyer_identities b ON b.id = o.buyer_identity_id "
        "WHERE o.session_id = $1 AND i.status <> 'removed'",
        shop.session_id,
    )
    return {r["who"]: (r["status"], r["total_vnd"]) for r in rows}


async def _stock(db: asyncpg.Connection, shop: Shop) -> tuple[int, int]:
    row = await db.fetchrow(
        "SELECT quantity, reserved FROM live_stock WHERE live_id = $1", shop.live
    )
    return row["quantity"], row["reserved"]


def _form(shop: Shop, csrf: str, quantity: str) -> dict[str, str]:
    return {"csrf": csrf, "key": f"{shop.products['A01']}|", "qty": quantity}


async def test_restock_holds_for_the_waitlist_in_order_and_tells_those_buyers(
    client: Client, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await _live_with_a_waitlist(db, pool, arq_pool)
    before = await _lines(db, shop)
    assert [before[b][0] for b in BUYERS] == ["held", "waitlisted", "waitlisted"]
    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    csrf = await log_in(client, login)
    page = await (await client.get(f"/phien-live/{shop.live}")).text()
    assert 'id="stock-form"' in page and 'id="held-A01">2<' in page

    url = f"/phien-live/{shop.live}/ton-kho"
    below = await client.post(url, data=_form(shop, csrf, "1"))
    assert below.status == 400 and "thấp hơn số khách đang giữ" in await below.text()
    bad = await client.post(url, data=_form(shop, csrf, "nhiều"))
    assert bad.status == 400 and "Số lượng mỗi sản phẩm từ 0 đến" in await bad.text()
    assert await _stock(db, shop) == (2, 2)

    messages = job_queue(arq_pool, jobs.SEND_ORDER_MESSAGE)  # the outbound queue
    jobs_before = await arq_pool.zcard(messages)
    raised = await client.post(url, data=_form(shop, csrf, "5"), allow_redirects=False)
    assert raised.status == 303 and raised.headers["Location"].endswith("?done=stock")
    after = await _lines(db, shop)
    assert [after[b][0] for b in BUYERS] == ["held", "held", "waitlisted"]  # hoa came first
    assert after["hoa"][1] > 0 and after["hoa"][1] == after["lan"][1]  # her total follows
    assert await _stock(db, shop) == (5, 4)
    assert await arq_pool.zcard(messages) > jobs_before  # hoa is told
    await assert_consistent(db)


async def test_another_cooperative_or_an_ended_live_changes_nothing(
    client: Client, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await _live_with_a_waitlist(db, pool, arq_pool)
    other = await seed_shop(db, slug="htx-khac")
    _, login = await add_staff(db, other.tenant_id, StaffRole.DIRECTOR)
    csrf = await log_in(client, login)
    url = f"/phien-live/{shop.live}/ton-kho"
    assert (await client.post(url, data=_form(shop, csrf, "50"))).status == 404
    assert await _stock(db, shop) == (2, 2)

    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    csrf = await log_in(client, login)
    await db.execute("UPDATE live_sessions SET status = 'ended' WHERE id = $1", shop.session_id)
    assert (await client.post(url, data=_form(shop, csrf, "50"))).status == 404
    assert await _stock(db, shop) == (2, 2)
    page = await (await client.get(f"/phien-live/{shop.live}")).text()
    assert 'id="stock-form"' not in page
