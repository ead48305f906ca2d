"""The unclear-comments queue: real comments merged into unclear lines and unplaced comments,
resolved into held lines (audited, stock reserved) or dismissed; CSRF, bad input, other tenants."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from arq.connections import ArqRedis

from aggregator.ingest.pipeline import Ingestor
from aggregator.orders.merge import merge_session
from aggregator.settings import Settings
from aggregator.web.app import create_app
from schema.enums import StaffRole
from tests.support.factories import Shop, seed_shop
from tests.support.invariants import assert_consistent
from tests.support.staff import add_staff, log_in

Client = TestClient  # type: ignore[type-arg]


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_app(settings))) as test_client:
        yield test_client


async def _merged(pool: asyncpg.Pool, arq: ArqRedis, shop: Shop, *texts: tuple[str, str]) -> None:
    async with Ingestor(pool, arq) as ingestor:
        await ingestor.submit_many([shop.comment(text, author) for text, author in texts])
    await merge_session(pool, shop.session_id)


async def _line_id(db: asyncpg.Connection, author: str) -> int:
    return int(
        await db.fetchval(
            "SELECT i.id FROM order_items i JOIN orders o ON o.id = i.order_id "
            "JOIN buyer_identities b ON b.id = o.buyer_identity_id "
            "WHERE b.external_user_id = $1 AND i.status = 'unclear'",
            author,
        )
    )


async def test_unclear_line_resolves_into_a_held_line_with_an_audit_row(
    client: Client, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db)
    await db.execute(
        "INSERT INTO live_stock (tenant_id, live_id, product_id, variant, quantity) "
        "VALUES ($1, $2, $3, '500ml', 5)",
        shop.tenant_id, shop.live, shop.products["M02"],
    )  # fmt: skip
    await _merged(pool, arq_pool, shop, ("chốt 2 hũ mật nhãn", "lan"), ("+1", "minh"))
    line_id = await _line_id(db, "lan")
    staff_id, login = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    csrf = await log_in(client, login)
    page = await (await client.get("/chua-ro")).text()
    assert "chốt 2 hũ mật nhãn" in page and "+1" in page
    # The fuzzy suggestion (mật ong) is preselected: one click resolves it.
    item = page[page.index(f'id="line-{line_id}"') :]
    selected = re.search(r'<option value="([^"]+)" selected>', item)
    assert selected and selected.group(1) == f"{shop.products['M02']}:500ml"
    no_csrf = await client.post(f"/chua-ro/dong/{line_id}", data={"product": selected.group(1)})
    assert no_csrf.status == 403
    bad = await client.post(
        f"/chua-ro/dong/{line_id}", data={"csrf": csrf, "product": selected.group(1), "qty": "0"}
    )
    assert bad.status == 422 and "Số lượng phải là số nguyên" in await bad.text()
    done = await client.post(
        f"/chua-ro/dong/{line_id}",
        data={"csrf": csrf, "product": selected.group(1), "qty": "2"},
        allow_redirects=False,
    )
    assert done.status == 303 and done.headers["Location"] == "/chua-ro?done=held"
    line = await db.fetchrow(
        "SELECT i.code, i.variant, i.qty, i.status, i.order_id, i.source_comment_id, c.body "
        "FROM order_items i JOIN comments c ON c.id = i.source_comment_id "
        "WHERE i.product_id = $1",
        shop.products["M02"],
    )
    assert (line["code"], line["variant"], line["qty"], line["status"]) == (
        "M02",
        "500ml",
        2,
        "held",
    )
    assert line["body"] == "chốt 2 hũ mật nhãn"  # the line keeps the comment it came from
    assert await db.fetchval("SELECT reserved FROM live_stock") == 2
    events = await db.fetch(
        "SELECT kind, actor FROM order_events WHERE order_id = $1 AND actor LIKE 'staff:%' "
        "ORDER BY id",
        line["order_id"],
    )
    assert [(e["kind"], e["actor"]) for e in events] == [
        ("unclear_resolved", f"staff:{staff_id}"), ("line_added", f"staff:{staff_id}"),
    ]  # fmt: skip
    total = await db.fetchval("SELECT total_vnd FROM orders WHERE id = $1", line["order_id"])
    assert total == 2 * 150_000
    assert f'id="line-{line_id}"' not in await (await client.get("/chua-ro")).text()
    await assert_consistent(db)


async def test_unplaced_comment_goes_on_the_buyers_order_or_is_dismissed(
    client: Client, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db, stock={"N01": 1})
    await _merged(
        pool, arq_pool, shop,
        ("chốt A01", "lan"), ("+1", "lan"),  # lan's order has a line: "+1" makes none
        ("chốt B01", "hoa"), ("ib", "hoa"), ("chốt N01", "tu"),
    )  # fmt: skip
    plus_one = await db.fetchval("SELECT id FROM comments WHERE body = '+1'")
    ib = await db.fetchval("SELECT id FROM comments WHERE body = 'ib'")
    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    csrf = await log_in(client, login)
    page = await (await client.get("/chua-ro")).text()
    assert f'id="comment-{plus_one}"' in page and f'id="comment-{ib}"' in page
    # N01 is sold out to "tu": lan's extra nem chua waits in the queue behind.
    done = await client.post(
        f"/chua-ro/binh-luan/{plus_one}",
        data={"csrf": csrf, "product": f"{shop.products['N01']}:", "qty": "1"},
        allow_redirects=False,
    )
    assert done.headers["Location"] == "/chua-ro?done=waitlisted"
    lan = await db.fetch(
        "SELECT i.code, i.status FROM order_items i JOIN orders o ON o.id = i.order_id "
        "JOIN buyer_identities b ON b.id = o.buyer_identity_id "
        "WHERE b.external_user_id = 'lan' ORDER BY i.code"
    )
    assert [(r["code"], r["status"]) for r in lan] == [("A01", "requested"), ("N01", "waitlisted")]
    assert await db.fetchval("SELECT count(*) FROM orders") == 3  # no second order for lan
    gone = await client.post(
        f"/chua-ro/binh-luan/{ib}/bo-qua", data={"csrf": csrf}, allow_redirects=False
    )
    assert gone.status == 303
    assert await db.fetchval("SELECT status FROM comments WHERE id = $1", ib) == "ignored"
    again = await client.post(f"/chua-ro/binh-luan/{ib}/bo-qua", data={"csrf": csrf})
    assert again.status == 404
    await assert_consistent(db)


async def test_dismissing_the_only_line_cancels_the_order(
    client: Client, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db)
    await _merged(pool, arq_pool, shop, ("+1", "minh"))
    line_id = await _line_id(db, "minh")
    staff_id, login = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    csrf = await log_in(client, login)
    gone = await client.post(
        f"/chua-ro/dong/{line_id}/bo-qua", data={"csrf": csrf}, allow_redirects=False
    )
    assert gone.status == 303
    order = await db.fetchrow("SELECT id, status FROM orders")
    assert order["status"] == "cancelled"
    kinds = await db.fetch(
        "SELECT kind, actor, to_status FROM order_events WHERE order_id = $1 AND actor = $2 "
        "ORDER BY id",
        order["id"], f"staff:{staff_id}",
    )  # fmt: skip
    assert [(k["kind"], k["to_status"]) for k in kinds] == [
        ("unclear_dismissed", None), ("status", "cancelled"),
    ]  # fmt: skip


async def test_other_cooperatives_and_packers_cannot_touch_the_queue(
    client: Client, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db, stock={"A01": 5})
    other = await seed_shop(db, slug="htx-khac")
    await _merged(pool, arq_pool, shop, ("chốt Z77", "lan"))
    line_id = await _line_id(db, "lan")
    _, foreign = await add_staff(db, other.tenant_id, StaffRole.DIRECTOR)
    csrf = await log_in(client, foreign)
    assert "chốt Z77" not in await (await client.get("/chua-ro")).text()
    product = f"{other.products['A01']}:"
    for path in (f"/chua-ro/dong/{line_id}", f"/chua-ro/dong/{line_id}/bo-qua"):
        answer = await client.post(path, data={"csrf": csrf, "product": product, "qty": "1"})
        assert answer.status == 404
    _, packer = await add_staff(db, shop.tenant_id, StaffRole.PACKER)
    await log_in(client, packer)
    assert (await client.get("/chua-ro")).status == 403
    # A product of another cooperative cannot be put on this one's order either.
    _, own = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    csrf = await log_in(client, own)
    answer = await client.post(
        f"/chua-ro/dong/{line_id}", data={"csrf": csrf, "product": product, "qty": "1"}
    )
    assert answer.status == 404
    assert await db.fetchval("SELECT status FROM order_items WHERE id = $1", line_id) == "unclear"
    assert await db.fetchval("SELECT count(*) FROM order_events WHERE actor LIKE 'staff:%'") == 0
