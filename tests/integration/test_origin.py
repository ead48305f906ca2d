"""Origin a buyer can check, against real Postgres: a director adds batches and certificates, a
live's stock draws from the batches (earliest expiry first), each held line records its batch
through merges and cancels, the buyer page links the batch's public page, the packing slip's QR
opens it, and that page shows the batch and certificates and nothing of any buyer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import asyncpg
import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient, TestServer
from arq.connections import ArqRedis

from aggregator.confirmation.links import order_token
from aggregator.ingest.pipeline import Ingestor
from aggregator.orders.merge import merge_session
from aggregator.settings import Settings
from aggregator.tools.demo.seed import seed_demo
from aggregator.web.app import create_app
from schema.enums import StaffRole
from tests.support.confirmation import confirmation_settings, order_from_comments
from tests.support.factories import Shop, seed_shop
from tests.support.invariants import assert_consistent
from tests.support.pdf import barcodes, page_images, pdf_text
from tests.support.staff import add_staff, log_in

Client = TestClient  # type: ignore[type-arg]
PDF = b"%PDF-1.4\n% scanned certificate\n"
EARLY = {"code": "L-A", "harvested_on": "2026-10-01", "packed_on": "2026-10-05",
         "expires_on": "2027-04-05", "quantity": "3",
         "place": "Cánh đồng thôn Đông, Vũ Thư"}  # fmt: skip
LATE = {"code": "L-B", "harvested_on": "2026-10-10", "packed_on": "2026-10-12",
        "expires_on": "2027-10-12", "quantity": "10"}  # fmt: skip


@pytest.fixture
async def own_settings(settings: Settings) -> Settings:
    return confirmation_settings(settings)


@pytest.fixture
async def client(own_settings: Settings) -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_app(own_settings))) as test_client:
        yield test_client


def _multipart(fields: dict[str, str], data: bytes, name: str) -> FormData:
    form = FormData()
    for key, value in fields.items():
        form.add_field(key, value)
    form.add_field("file", data, filename=name, content_type="application/pdf")
    return form


async def _director_with_batches(client: Client, db: asyncpg.Connection) -> tuple[Shop, str]:
    shop = await seed_shop(db)
    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    csrf = await log_in(client, login)
    product = shop.products["A01"]
    for form in (LATE, EARLY):
        answer = await client.post(f"/san-pham/{product}/nguon-goc/lo", data={**form, "csrf": csrf},
                                   allow_redirects=False)  # fmt: skip
        assert answer.status == 303
    cert = {"kind": "ocop", "stars": "4", "number": "OCOP-TB-2024-118", "issuer": "UBND tỉnh",
            "issued_on": "2024-06-01", "expires_on": "2027-06-01", "csrf": csrf}  # fmt: skip
    form = _multipart(cert, PDF, "ocop.pdf")
    answer = await client.post(f"/san-pham/{product}/nguon-goc/chung-nhan", data=form,
                               allow_redirects=False)  # fmt: skip
    assert answer.status == 303
    gap = {"kind": "vietgap", "number": "VietGAP-TT-12-34", "csrf": csrf}
    assert (await client.post(f"/san-pham/{product}/nguon-goc/chung-nhan", data=gap,
                              allow_redirects=False)).status == 303  # fmt: skip
    return shop, csrf


async def _counts_agree(db: asyncpg.Connection) -> bool:
    """The triggers' running count of each live batch equals a count of its held lines."""
    return bool(await db.fetchval(
        "SELECT bool_and(used = chotdon_live_batch_used(live_id, batch_id)) FROM live_batches"
    ))  # fmt: skip


async def _batch_of(db: asyncpg.Connection, order_id: int) -> str | None:
    return await db.fetchval(  # type: ignore[no-any-return]
        "SELECT b.code FROM order_items i LEFT JOIN product_batches b ON b.id = i.batch_id "
        "WHERE i.order_id = $1 AND i.status = 'held' AND i.code = 'A01'",
        order_id,
    )


async def test_a_lives_stock_comes_from_batches_and_each_line_records_its_batch(
    client: Client, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop, _ = await _director_with_batches(client, db)
    await db.execute(
        "INSERT INTO live_stock (tenant_id, live_id, product_id, quantity) VALUES ($1, $2, $3, 5)",
        shop.tenant_id, shop.live, shop.products["A01"],
    )  # fmt: skip
    drawn = await db.fetch(
        "SELECT b.code, lb.quantity FROM live_batches lb JOIN product_batches b "
        "ON b.id = lb.batch_id WHERE lb.live_id = $1 ORDER BY lb.position", shop.live,
    )  # fmt: skip
    assert [(r["code"], r["quantity"]) for r in drawn] == [("L-A", 3), ("L-B", 2)]
    live_page = await (await client.get(f"/phien-live/{shop.live}")).text()
    assert "Lô L-A: 3, L-B: 2" in live_page
    setup_page = await (await client.get("/phien-live")).text()
    assert "còn 8 trong các lô" in setup_page  # 13 in the batches, 5 offered on air
    first = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01 x2")
    second = await order_from_comments(db, pool, arq_pool, shop, "minh", "chốt A01 x2")
    third = await order_from_comments(db, pool, arq_pool, shop, "ha", "chốt A01")
    # L-A has room for 2 then 1; the second buyer's 2 come whole from L-B
    assert [await _batch_of(db, o) for o in (first, second, third)] == ["L-A", "L-B", "L-A"]
    used = dict(await db.fetch(
        "SELECT b.code, chotdon_live_batch_used(lb.live_id, lb.batch_id) FROM live_batches lb "
        "JOIN product_batches b ON b.id = lb.batch_id "
        "WHERE lb.live_id = $1", shop.live,
    ))  # fmt: skip
    assert used == {"L-A": 3, "L-B": 2}
    assert await _counts_agree(db)
    async with Ingestor(pool, arq_pool) as ingestor:
        await ingestor.submit_many([shop.comment("hủy đơn nhé", "lan")])
    await merge_session(pool, shop.session_id)
    assert await db.fetchval(
        "SELECT chotdon_live_batch_used(lb.live_id, lb.batch_id) FROM live_batches lb "
        "JOIN product_batches b ON b.id = lb.batch_id "
        "WHERE lb.live_id = $1 AND b.code = 'L-A'", shop.live,
    ) == 1  # fmt: skip
    # what a new live could still take: L-A all offered to this live, L-B 10 - 2 offered
    left = dict(await db.fetch(
        "SELECT code, chotdon_batch_left(id) FROM product_batches WHERE tenant_id = $1",
        shop.tenant_id,
    ))  # fmt: skip
    assert left == {"L-A": 0, "L-B": 8}
    await db.execute("UPDATE live_stock SET quantity = 8 WHERE live_id = $1", shop.live)
    assert await db.fetchval(
        "SELECT sum(quantity) FROM live_batches WHERE live_id = $1", shop.live
    ) == 8  # fmt: skip
    await db.execute("UPDATE lives SET status = 'ended' WHERE id = $1", shop.live)
    left = dict(await db.fetch(
        "SELECT code, chotdon_batch_left(id) FROM product_batches WHERE tenant_id = $1",
        shop.tenant_id,
    ))  # fmt: skip
    assert await _counts_agree(db)
    assert left == {"L-A": 2, "L-B": 8}  # an ended live keeps only what its lines hold
    buyer = await db.fetchval(
        "INSERT INTO buyers (tenant_id, display_name) VALUES ($1, 'Khách gọi điện') RETURNING id",
        shop.tenant_id,
    )  # fmt: skip
    by_hand = await db.fetchval(
        "INSERT INTO orders (tenant_id, buyer_id, source, status) "
        "VALUES ($1, $2, 'manual', 'draft') RETURNING id", shop.tenant_id, buyer,
    )  # fmt: skip
    await db.execute(
        "INSERT INTO order_items (tenant_id, order_id, product_id, code, qty, status) "
        "VALUES ($1, $2, $3, 'A01', 3, 'held')", shop.tenant_id, by_hand, shop.products["A01"],
    )  # fmt: skip
    assert await _batch_of(db, by_hand) == "L-B"  # L-A has 2 left, not 3
    assert await db.fetchval(
        "SELECT chotdon_batch_left(id) FROM product_batches WHERE code = 'L-B'"
    ) == 5  # fmt: skip
    await assert_consistent(db)


async def test_the_public_page_shows_batch_and_certificates_and_no_buyer(
    client: Client, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis,
    own_settings: Settings,
) -> None:  # fmt: skip
    shop, _ = await _director_with_batches(client, db)
    await db.execute(
        "INSERT INTO live_stock (tenant_id, live_id, product_id, quantity) VALUES ($1, $2, $3, 5)",
        shop.tenant_id, shop.live, shop.products["A01"],
    )  # fmt: skip
    order_id = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01 x2")
    await db.execute(
        "UPDATE orders SET recipient_name = 'Nguyễn Thị Lan', recipient_phone = '0912345678' "
        "WHERE id = $1", order_id,
    )  # fmt: skip
    buyer_page = await (await client.get(f"/o/{order_token(own_settings, order_id)}")).text()
    code = await db.fetchval("SELECT public_code FROM product_batches WHERE code = 'L-A'")
    assert f'href="/nguon-goc/{code}"' in buyer_page and "Xem nguồn gốc lô L-A" in buyer_page
    client.session.cookie_jar.clear()  # the public page needs no login
    answer = await client.get(f"/nguon-goc/{code}")
    html = await answer.text()
    assert answer.status == 200
    assert "Lô <strong>L-A</strong>" in html and "Gạo ST25 túi 5kg" in html
    assert "01/10/2026" in html and "05/10/2026" in html and "05/04/2027" in html
    assert "Cánh đồng thôn Đông, Vũ Thư" in html and "HTX Nông sản Thái Bình" in html
    assert "OCOP-TB-2024-118" in html and "★★★★" in html and "VietGAP-TT-12-34" in html
    for secret in ("Nguyễn Thị Lan", "0912345678", "091****678", "Chị director", "/o/"):
        assert secret not in html
    cert = await db.fetchval("SELECT id FROM product_certificates WHERE kind = 'ocop'")
    scan = await client.get(f"/nguon-goc/{code}/chung-nhan/{cert}")
    assert scan.status == 200 and scan.content_type == "application/pdf"
    assert await scan.read() == PDF
    other = await client.get(f"/nguon-goc/{code}/chung-nhan/{cert + 1}")  # VietGAP: no file
    assert other.status == 404
    missing = await client.get("/nguon-goc/khong-co-lo-nay-dau")
    assert missing.status == 404 and "Không tìm thấy lô hàng" in await missing.text()


async def test_the_slips_origin_qr_opens_the_batch_page(
    client: Client, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis,
    own_settings: Settings,
) -> None:  # fmt: skip
    shop, _ = await _director_with_batches(client, db)
    await db.execute(
        "INSERT INTO live_stock (tenant_id, live_id, product_id, quantity) VALUES ($1, $2, $3, 5)",
        shop.tenant_id, shop.live, shop.products["A01"],
    )  # fmt: skip
    order_id = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01 x2")
    await db.execute("UPDATE orders SET status = 'packing' WHERE id = $1", order_id)
    slip = await client.get(f"/dong-goi/{order_id}/phieu.pdf")
    assert slip.status == 200
    pdf = await slip.read()
    assert "Nguồn gốc" in pdf_text(pdf) and "2 × Gạo ST25 túi 5kg · lô L-A" in pdf_text(pdf)
    code = await db.fetchval("SELECT public_code FROM product_batches WHERE code = 'L-A'")
    found = barcodes(page_images(pdf, 300)[0])
    assert ("QRCode", f"{own_settings.base_url}/nguon-goc/{code}") in found
    order_no = await db.fetchval("SELECT order_no FROM orders WHERE id = $1", order_id)
    assert ("QRCode", order_no) in found  # the packer's own QR is still read


async def test_forms_refuse_bad_input_and_other_cooperatives(
    client: Client, db: asyncpg.Connection
) -> None:
    shop, csrf = await _director_with_batches(client, db)
    product = shop.products["A01"]
    page = await client.get(f"/san-pham/{product}/nguon-goc")
    html = await page.text()
    assert page.status == 200 and "Lô L-A" in html and "OCOP-TB-2024-118" in html
    again = await client.post(f"/san-pham/{product}/nguon-goc/lo", data={**EARLY, "csrf": csrf})
    assert again.status == 400 and "đã có lô cùng số" in await again.text()
    bad = {**LATE, "code": "L-C", "packed_on": "2026-10-01", "quantity": "0", "csrf": csrf}
    answer = await client.post(f"/san-pham/{product}/nguon-goc/lo", data=bad)
    text = await answer.text()
    assert answer.status == 400 and "Ngày đóng gói phải từ" in text and "Số lượng là số" in text
    html_file = _multipart({"kind": "organic", "number": "HC-1", "csrf": csrf}, b"<html>", "a.pdf")
    answer = await client.post(f"/san-pham/{product}/nguon-goc/chung-nhan", data=html_file)
    assert answer.status == 400 and "PDF, JPEG hoặc PNG" in await answer.text()
    assert await db.fetchval("SELECT count(*) FROM product_certificates") == 2
    await db.execute(
        "INSERT INTO live_stock (tenant_id, live_id, product_id, quantity) VALUES ($1, $2, $3, 2)",
        shop.tenant_id, shop.live, product,
    )  # fmt: skip
    batches = dict(await db.fetch("SELECT code, id FROM product_batches"))
    used = await client.post(f"/san-pham/{product}/nguon-goc/lo/{batches['L-A']}/xoa",
                             data={"csrf": csrf})  # fmt: skip
    assert used.status == 409 and "không xoá được" in await used.text()
    unused = await client.post(f"/san-pham/{product}/nguon-goc/lo/{batches['L-B']}/xoa",
                               data={"csrf": csrf}, allow_redirects=False)  # fmt: skip
    assert unused.status == 303
    assert await db.fetchval("SELECT count(*) FROM product_batches") == 1
    gap = await db.fetchval("SELECT id FROM product_certificates WHERE kind = 'vietgap'")
    gone = await client.post(f"/san-pham/{product}/nguon-goc/chung-nhan/{gap}/xoa",
                             data={"csrf": csrf}, allow_redirects=False)  # fmt: skip
    assert gone.status == 303
    assert await db.fetchval("SELECT count(*) FROM product_certificates") == 1
    other = await seed_shop(db, slug="htx-khac")
    foreign = other.products["A01"]
    assert (await client.get(f"/san-pham/{foreign}/nguon-goc")).status == 404
    answer = await client.post(f"/san-pham/{foreign}/nguon-goc/lo", data={**LATE, "csrf": csrf})
    assert answer.status == 404
    _, packer = await add_staff(db, shop.tenant_id, StaffRole.PACKER)
    await log_in(client, packer)
    assert (await client.get(f"/san-pham/{product}/nguon-goc")).status == 403
    assert date.today().year >= 2026


async def test_the_demo_sells_from_batches(db: asyncpg.Connection) -> None:
    lives = await seed_demo(db, "t1")
    drawn = await db.fetch(
        "SELECT p.code, lb.quantity FROM live_batches lb JOIN products p ON p.id = lb.product_id "
        "WHERE lb.tenant_id = $1", lives.tenant_id,
    )  # fmt: skip
    assert drawn and all(r["quantity"] > 0 for r in drawn)
    assert await db.fetchval("SELECT count(*) FROM product_certificates") >= 1
