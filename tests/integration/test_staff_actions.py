"""Order-page actions against real Postgres: edit lines (stock re-allocated, waitlist promoted),
merge a buyer's linked orders, cancel with a reason; each audited with who and why; the full event
log as CSV; CSRF, bad input, packers and other cooperatives refused with nothing changed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from arq.connections import ArqRedis

from aggregator.ingest.pipeline import Ingestor
from aggregator.orders.merge import merge_session
from aggregator.runtime import jobs
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


async def _order(db: asyncpg.Connection, author: str) -> asyncpg.Record:
    return await db.fetchrow(
        "SELECT o.id, o.status, o.total_vnd FROM orders o "
        "JOIN buyer_identities b ON b.id = o.buyer_identity_id WHERE b.external_user_id = $1",
        author,
    )


async def _lines(db: asyncpg.Connection, order_id: int) -> list[tuple[str, int, str]]:
    rows = await db.fetch(
        "SELECT code, qty, status FROM order_items WHERE order_id = $1 ORDER BY code, id", order_id
    )
    return [(r["code"], r["qty"], r["status"]) for r in rows]


async def _messaged(arq: ArqRedis) -> set[int]:
    """Orders with a buyer-message job queued."""
    return {j.args[0] for j in await arq.queued_jobs() if j.function == jobs.SEND_ORDER_MESSAGE}


async def _snapshot(db: asyncpg.Connection) -> list[tuple[object, ...]]:
    rows = await db.fetch(
        "SELECT o.id, o.status, o.total_vnd, i.qty, i.status AS line FROM orders o "
        "JOIN order_items i ON i.order_id = o.id ORDER BY i.id"
    )
    return [tuple(r) for r in rows] + [(await db.fetchval("SELECT count(*) FROM order_events"),)]


async def test_edit_lines_reallocates_stock_and_promotes_the_waitlist(
    client: Client, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db, stock={"A01": 3})
    await _merged(pool, arq_pool, shop, ("chốt A01 x2", "lan"), ("chốt A01 x2", "minh"))
    lan, minh = await _order(db, "lan"), await _order(db, "minh")
    line = await db.fetchval("SELECT id FROM order_items WHERE order_id = $1", lan["id"])
    assert await _lines(db, minh["id"]) == [("A01", 2, "waitlisted")]
    staff_id, login = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    csrf = await log_in(client, login)
    page = await (await client.get(f"/don/{lan['id']}")).text()
    assert 'id="edit-form"' in page and 'id="cancel-form"' in page
    before = await _snapshot(db)
    no_csrf = await client.post(f"/don/{lan['id']}/sua", data={f"qty-{line}": "0"})
    assert no_csrf.status == 403
    more = await client.post(f"/don/{lan['id']}/sua", data={"csrf": csrf, f"qty-{line}": "3"})
    assert more.status == 409 and "Không đủ hàng A01" in await more.text()  # minh waits first
    bad = await client.post(f"/don/{lan['id']}/sua", data={"csrf": csrf, f"qty-{line}": "hai"})
    assert bad.status == 422 and "Số lượng phải là số nguyên" in await bad.text()
    assert await _snapshot(db) == before
    done = await client.post(
        f"/don/{lan['id']}/sua",
        data={"csrf": csrf, f"qty-{line}": "0", "product": f"{shop.products['B01']}:",
              "qty": "2", "reason": "khách đổi sang bánh cáy"},
        allow_redirects=False,
    )  # fmt: skip
    assert done.status == 303 and done.headers["Location"] == f"/don/{lan['id']}?done=edited"
    assert await _lines(db, lan["id"]) == [("A01", 2, "removed"), ("B01", 2, "requested")]
    assert await _lines(db, minh["id"]) == [("A01", 2, "held")]  # freed stock went to minh
    assert (await _order(db, "lan"))["total_vnd"] == 90_000
    assert (await _order(db, "minh"))["total_vnd"] == 360_000
    events = await db.fetch(
        "SELECT kind, actor, reason, data FROM order_events WHERE order_id = $1 "
        "AND actor LIKE 'staff:%' ORDER BY id",
        lan["id"],
    )
    assert [(e["kind"], e["actor"], e["reason"]) for e in events] == [
        ("lines_edited", f"staff:{staff_id}", "khách đổi sang bánh cáy"),
        ("line_added", f"staff:{staff_id}", "khách đổi sang bánh cáy"),
    ]
    assert events[0]["data"] == {"lines": {"A01": {"from": 2, "to": 0}}}
    await assert_consistent(db)
    # After the commit both buyers are told: lan her new order, minh that his item is held.
    assert await _messaged(arq_pool) == {lan["id"], minh["id"]}


async def test_merge_linked_orders_of_one_buyer(
    client: Client, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db, stock={"A01": 5})
    await _merged(pool, arq_pool, shop, ("chốt A01", "acc1"), ("chốt 2 hộp nem", "acc2"))
    # Both paid before a phone shows they are one person: the merge leaves money to staff.
    await db.execute("UPDATE orders SET paid_at = now()")
    await _merged(
        pool, arq_pool, shop, ("sđt 0912 345 678", "acc1"), ("0912.345.678 nhé", "acc2"),
    )  # fmt: skip
    first, second = await _order(db, "acc1"), await _order(db, "acc2")
    assert (first["status"], second["status"]) == ("awaiting_confirmation",) * 2
    assert await db.fetchval("SELECT count(*) FROM orders WHERE merge_review") == 2
    staff_id, login = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    csrf = await log_in(client, login)
    page = await (await client.get(f"/don/{first['id']}")).text()
    assert 'id="merge-form"' in page and f'value="{second["id"]}"' in page
    done = await client.post(
        f"/don/{first['id']}/gop", data={"csrf": csrf, "merge": str(second["id"])},
        allow_redirects=False,
    )  # fmt: skip
    assert done.headers["Location"] == f"/don/{first['id']}?done=merged"
    assert await _lines(db, first["id"]) == [("A01", 1, "held"), ("N01", 2, "requested")]
    assert (await _order(db, "acc1"))["total_vnd"] == 180_000 + 2 * 60_000
    assert (await _order(db, "acc2"))["status"] == "cancelled"
    assert await db.fetchval("SELECT count(*) FROM orders WHERE merge_review") == 0
    second_no = await db.fetchval("SELECT order_no FROM orders WHERE id = $1", second["id"])
    audit = await db.fetch(
        "SELECT order_id, kind, reason, data FROM order_events WHERE actor = $1 ORDER BY id",
        f"staff:{staff_id}",
    )
    assert [(a["order_id"], a["kind"]) for a in audit] == [
        (second["id"], "status"), (first["id"], "merged"),
    ]  # fmt: skip
    assert audit[0]["reason"].startswith("gộp vào đơn") and audit[1]["data"]["from"] == [second_no]
    await assert_consistent(db)


async def test_cancel_with_a_reason_gives_stock_back_to_the_waitlist(
    client: Client, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db, stock={"N01": 2})
    await _merged(pool, arq_pool, shop, ("chốt 2 nem chua", "lan"), ("chốt 1 nem", "minh"))
    lan, minh = await _order(db, "lan"), await _order(db, "minh")
    staff_id, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    csrf = await log_in(client, login)
    empty = await client.post(f"/don/{lan['id']}/huy", data={"csrf": csrf, "reason": "  "})
    assert empty.status == 422 and "Hãy ghi lý do" in await empty.text()
    done = await client.post(
        f"/don/{lan['id']}/huy", data={"csrf": csrf, "reason": "khách gọi báo huỷ"},
        allow_redirects=False,
    )  # fmt: skip
    assert done.headers["Location"] == f"/don/{lan['id']}?done=cancelled"
    assert (await _order(db, "lan"))["status"] == "cancelled"
    assert await _lines(db, minh["id"]) == [("N01", 1, "held")]
    assert await _messaged(arq_pool) == {minh["id"]}  # promoted: minh learns it is held
    event = await db.fetchrow(
        "SELECT actor, from_status, to_status, reason FROM order_events "
        "WHERE order_id = $1 ORDER BY id DESC LIMIT 1",
        lan["id"],
    )
    assert tuple(event) == (
        f"staff:{staff_id}", "awaiting_confirmation", "cancelled", "khách gọi báo huỷ",
    )  # fmt: skip
    again = await client.post(f"/don/{lan['id']}/huy", data={"csrf": csrf, "reason": "lần 2"})
    assert again.status == 409 and "không huỷ được" in await again.text()
    await assert_consistent(db)
    # The full event log as CSV: UTF-8 with BOM, Vietnam time, the staff member by name.
    log = await client.get(f"/don/{lan['id']}/nhat-ky.csv")
    assert log.status == 200 and log.headers["Content-Type"].startswith("text/csv")
    body = await log.read()
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert text.splitlines()[0] == "Thời gian (giờ Việt Nam),Nguồn,Ai,Việc,Chi tiết"
    assert "chốt 2 nem chua" in text and "khách gọi báo huỷ" in text
    assert f"Chị {login}" in text  # who, by name


async def test_other_cooperatives_and_packers_change_nothing(
    client: Client, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db, stock={"A01": 5})
    other = await seed_shop(db, slug="htx-khac")
    await _merged(pool, arq_pool, shop, ("chốt A01 x2", "lan"), ("chốt A01", "minh"))
    lan, minh = await _order(db, "lan"), await _order(db, "minh")
    line = await db.fetchval("SELECT id FROM order_items WHERE order_id = $1", lan["id"])
    before = await _snapshot(db)
    _, foreign = await add_staff(db, other.tenant_id, StaffRole.DIRECTOR)
    csrf = await log_in(client, foreign)
    for path, data in (
        (f"/don/{lan['id']}/sua", {f"qty-{line}": "1"}),
        (f"/don/{lan['id']}/gop", {"merge": str(minh["id"])}),
        (f"/don/{lan['id']}/huy", {"reason": "phá"}),
    ):
        assert (await client.post(path, data={"csrf": csrf, **data})).status == 404
    assert (await client.get(f"/don/{lan['id']}/nhat-ky.csv")).status == 404
    _, packer = await add_staff(db, shop.tenant_id, StaffRole.PACKER)
    csrf = await log_in(client, packer)
    answer = await client.post(f"/don/{lan['id']}/huy", data={"csrf": csrf, "reason": "x"})
    assert answer.status == 403
    # Own staff cannot merge an order of another buyer either.
    _, own = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    csrf = await log_in(client, own)
    refused = await client.post(
        f"/don/{lan['id']}/gop", data={"csrf": csrf, "merge": str(minh["id"])}
    )
    assert refused.status == 409 and "không gộp được" in await refused.text()
    assert await _snapshot(db) == before
