"""Variants with their own price, weight and stock, and product photos on the buyer page
(issue 20), against real Postgres: the catalogue form, the merge, a staff edit, the live's
stock per variant, the parcel's weight and the buyer's link."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from arq.connections import ArqRedis
from PIL import Image

from aggregator.confirmation.links import order_token
from aggregator.ingest.pipeline import Ingestor
from aggregator.orders.merge import merge_session
from aggregator.settings import Settings
from aggregator.web.app import create_app
from schema.enums import StaffRole
from schema.queries import query
from tests.support.confirmation import confirmation_settings
from tests.support.factories import Shop, seed_shop
from tests.support.invariants import assert_consistent
from tests.support.staff import add_staff, log_in

Client = TestClient  # type: ignore[type-arg]


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_app(settings))) as test_client:
        yield test_client


async def _variants(db: asyncpg.Connection, product_id: int) -> list[tuple[str, int | None]]:
    rows = await db.fetch(
        "SELECT name, price_vnd FROM product_variants WHERE product_id = $1 ORDER BY position",
        product_id,
    )
    return [(r["name"], r["price_vnd"]) for r in rows]


async def _honey_live(db: asyncpg.Connection) -> Shop:
    """M02 honey: 500ml at the product's 150.000 ₫, 1l at its own 280.000 ₫, 1.5 kg; stock per
    variant in the live."""
    shop = await seed_shop(db)
    honey = shop.products["M02"]
    await db.execute(
        "UPDATE product_variants SET price_vnd = 280000, weight_g = 1500 "
        "WHERE product_id = $1 AND name = '1l'",
        honey,
    )
    await db.executemany(
        "INSERT INTO live_stock (tenant_id, live_id, product_id, variant, quantity) "
        "VALUES ($1, $2, $3, $4, $5)",
        [(shop.tenant_id, shop.live, honey, v, n) for v, n in (("500ml", 10), ("1l", 2))],
    )  # fmt: skip
    return shop


async def _merge(pool: asyncpg.Pool, arq: ArqRedis, shop: Shop, *said: tuple[str, str]) -> None:
    async with Ingestor(pool, arq) as ingestor:
        await ingestor.submit_many([shop.comment(text, author) for text, author in said])
    await merge_session(pool, shop.session_id)


async def _lines_of(db: asyncpg.Connection, author: str) -> list[tuple[str, str, int, int, str]]:
    rows = await db.fetch(
        "SELECT i.code, i.variant, i.qty, i.unit_price_vnd, i.status FROM order_items i "
        "JOIN orders o ON o.id = i.order_id JOIN buyer_identities b ON b.id = o.buyer_identity_id "
        "WHERE b.external_user_id = $1 AND i.status <> 'removed' ORDER BY i.id",
        author,
    )
    return [(r["code"], r["variant"], r["qty"], r["unit_price_vnd"], r["status"]) for r in rows]


async def test_variant_rows_follow_the_names_whoever_writes_them(db: asyncpg.Connection) -> None:
    shop = await seed_shop(db)
    honey = shop.products["M02"]
    assert await _variants(db, honey) == [("500ml", None), ("1l", None)]
    await db.execute("UPDATE product_variants SET price_vnd = 280000 WHERE product_id = $1 "
                     "AND name = '1l'", honey)  # fmt: skip
    await db.execute("UPDATE products SET variants = '{2l,1l}' WHERE id = $1", honey)
    # 500ml is gone, 2l is new, 1l keeps its price and moves to second place
    assert await _variants(db, honey) == [("2l", None), ("1l", 280_000)]
    await db.execute("UPDATE products SET variants = '{}' WHERE id = $1", honey)
    assert await _variants(db, honey) == []
    tenants = await db.fetch("SELECT DISTINCT tenant_id FROM product_variants")
    assert {r["tenant_id"] for r in tenants} <= {shop.tenant_id}


async def test_a_comment_for_a_variant_takes_its_price_and_its_own_stock(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await _honey_live(db)
    await _merge(
        pool, arq_pool, shop,
        ("chốt M02 1l x2", "lan"), ("mật ong 500ml x3", "minh"), ("cho e 1 mật ong 1l", "hoa"),
    )  # fmt: skip
    assert await _lines_of(db, "lan") == [("M02", "1l", 2, 280_000, "held")]
    assert await _lines_of(db, "minh") == [("M02", "500ml", 3, 150_000, "held")]
    # two litres only: the third buyer of 1l waits, at 1l's price
    assert await _lines_of(db, "hoa") == [("M02", "1l", 1, 280_000, "waitlisted")]
    stock = await db.fetch(
        "SELECT variant, quantity, reserved FROM live_stock WHERE live_id = $1 ORDER BY variant",
        shop.live,
    )
    assert [tuple(r) for r in stock] == [("1l", 2, 2), ("500ml", 10, 3)]
    total = await db.fetchval(
        "SELECT o.subtotal_vnd FROM orders o JOIN buyer_identities b "
        "ON b.id = o.buyer_identity_id WHERE b.external_user_id = 'lan'"
    )
    assert total == 2 * 280_000
    # the parcel weighs the variant's own 1.5 kg a bottle
    order_id = await db.fetchval("SELECT order_id FROM order_items WHERE variant = '1l' LIMIT 1")
    weights = await db.fetch(query("lines_of_orders"), [order_id])
    assert [r["weight_g"] for r in weights] == [1_500]
    await assert_consistent(db)


async def test_the_live_page_and_dashboard_show_stock_and_price_per_variant(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, client: Client
) -> None:
    shop = await _honey_live(db)
    await _merge(pool, arq_pool, shop, ("chốt M02 1l", "lan"), ("mật ong x2", "minh"))
    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    await log_in(client, login)
    live = await (await client.get(f"/phien-live/{shop.live}")).text()
    assert "Mật ong hoa nhãn (1l)" in live and "280.000 ₫" in live and "150.000 ₫" in live
    board = await (await client.get("/bang-dieu-khien")).text()
    row = re.search(r'data-code="M02-1l">(.*?)</tr>', board, re.DOTALL)
    assert row is not None, "the dashboard has no row for M02 1l"
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row[1])  # figures carry their data-f key
    assert cells[1:3] == ["1", "1"]  # ordered 1, left 1 of 2: a number, not "–"
    # "mật ong x2" names no variant: no pool is its own, and the row says to ask the buyer
    row = re.search(r'data-code="M02">(.*?)</tr>', board, re.DOTALL)
    assert row is not None and "chưa chọn loại" in row[1]
    assert re.findall(r"<td[^>]*>(.*?)</td>", row[1])[1:3] == ["2", "hỏi khách"]


async def test_a_director_writes_variant_prices_on_the_form_and_in_a_csv(
    db: asyncpg.Connection, client: Client
) -> None:
    shop = await seed_shop(db)
    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    csrf = await log_in(client, login)
    form = {
        "csrf": csrf, "code": "V05", "name": "Vải thiều Thanh Hà", "price_vnd": "45.000",
        "weight_g": "1000", "variants": "1kg\n2kg = 85.000 / 2kg\n5kg = 200.000 / 5000g",
    }  # fmt: skip
    answer = await client.post("/san-pham/moi", data=form, allow_redirects=False)
    assert answer.status == 303, await answer.text()
    lychee = await db.fetchval(
        "SELECT id FROM products WHERE tenant_id = $1 AND code = 'V05'", shop.tenant_id
    )
    assert await _variants(db, lychee) == [("1kg", None), ("2kg", 85_000), ("5kg", 200_000)]
    page = await (await client.get(f"/san-pham/{lychee}")).text()
    assert "2kg = 85.000 / 2000g" in page
    listing = await (await client.get("/san-pham")).text()
    assert "2kg 85.000 ₫" in listing and "5kg 200.000 ₫" in listing
    bad = await client.post("/san-pham/moi", data={**form, "code": "V06", "variants": "2kg = ?"})
    assert bad.status == 400 and "Loại 2kg: giá là số tiền VND" in await bad.text()
    csv = (
        "code,name,variants,price_vnd\r\n"
        'V05,Vải thiều Thanh Hà,"1kg; 2kg = 90.000; 10kg = 390.000 / 10kg",45000\r\n'
    )
    done = await client.post("/san-pham/nhap", data={"csrf": csrf, "action": "apply", "text": csv})
    assert done.status == 200, await done.text()
    assert await _variants(db, lychee) == [("1kg", None), ("2kg", 90_000), ("10kg", 390_000)]


async def test_staff_adding_a_variant_to_an_order_charge_its_price(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, client: Client
) -> None:
    shop = await _honey_live(db)
    await _merge(pool, arq_pool, shop, ("mật ong 500ml", "lan"))
    order_id = await db.fetchval("SELECT order_id FROM order_items LIMIT 1")
    _, login = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    csrf = await log_in(client, login)
    page = await (await client.get(f"/don/{order_id}")).text()
    assert "M02 · Mật ong hoa nhãn (1l) · 280.000 ₫</option>" in page  # the picker's price
    assert "M02 · Mật ong hoa nhãn (500ml) · 150.000 ₫</option>" in page
    answer = await client.post(
        f"/don/{order_id}/sua",
        data={"csrf": csrf, "product": f"{shop.products['M02']}:1l", "qty": "1",
              "reason": "khách gọi thêm 1 lít"},
        allow_redirects=False,
    )  # fmt: skip
    assert answer.status == 303, await answer.text()
    assert await _lines_of(db, "lan") == [
        ("M02", "500ml", 1, 150_000, "held"), ("M02", "1l", 1, 280_000, "held"),
    ]  # fmt: skip
    assert await db.fetchval("SELECT subtotal_vnd FROM orders WHERE id = $1", order_id) == 430_000


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 120, 20)).save(out, "JPEG")
    return out.getvalue()


async def test_the_buyer_sees_the_photos_of_their_own_order_only(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, settings: Settings
) -> None:
    own = confirmation_settings(settings)
    async with TestClient(TestServer(create_app(own))) as client:
        await _photos_of_an_order(db, pool, arq_pool, client, own)


async def _photos_of_an_order(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, client: Client,
    settings: Settings,
) -> None:  # fmt: skip
    shop = await _honey_live(db)
    photo = _jpeg()
    for code in ("M02", "A01"):
        await db.execute(
            "INSERT INTO product_photos (product_id, tenant_id, content_type, data) "
            "VALUES ($1, $2, 'image/jpeg', $3)",
            shop.products[code], shop.tenant_id, photo,
        )  # fmt: skip
    await _merge(pool, arq_pool, shop, ("chốt M02 1l", "lan"))
    order_id = await db.fetchval("SELECT order_id FROM order_items LIMIT 1")
    token = order_token(settings, order_id)
    page = await (await client.get(f"/o/{token}")).text()
    src = re.search(r'<img class="line-photo" src="([^"]+)" alt="Ảnh Mật ong hoa nhãn"', page)
    assert src is not None, "no photo on the buyer page"
    assert src[1].startswith(f"/o/{token}/anh/{shop.products['M02']}?v=")
    answer = await client.get(src[1])
    assert answer.status == 200 and answer.content_type == "image/jpeg"
    assert await answer.read() == photo
    assert "private" in answer.headers["Cache-Control"]
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    # a product that is not on this order, a made-up id, a broken link: all 404
    for path in (
        f"/o/{token}/anh/{shop.products['A01']}",
        f"/o/{token}/anh/999999999",
        f"/o/{token}/anh/abc",
        f"/o/{token[:-3]}xyz/anh/{shop.products['M02']}",
    ):
        assert (await client.get(path)).status == 404, path
