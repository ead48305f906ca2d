"""The director's tax page against a seeded set of orders and refunds: revenue per quarter and
half-year split into what TikTok Shop withheld (1 % VAT + 0.5 % PIT) and what the cooperative
declares itself, settled refunds subtracted in the period they were settled; the figures add up
to the orders and refunds of the period (checked by an independent SQL sum); CSV, PDF and the
e-invoice XML (validated against its schema); roles and other cooperatives."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from aggregator.settings import Settings
from aggregator.staff.einvoice_schema import invoice_errors
from aggregator.web.app import create_app
from schema.enums import StaffRole
from tests.support.factories import Shop, seed_shop
from tests.support.pdf import pdf_text
from tests.support.sales import sales_order, seed_sales, utc
from tests.support.staff import add_staff, log_in

Client = TestClient  # type: ignore[type-arg]
Q1 = {"ky": "2026-Q1"}
SELLER = {"tax_code": "1000123456", "address": "Xã Vũ Thư, tỉnh Thái Bình", "series": "c26mab"}


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_app(settings))) as test_client:
        yield test_client


def _rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


async def _refund(db: asyncpg.Connection, shop: Shop, order_id: int, amount: int,
                  settled: str | None, method: str = "transfer") -> None:  # fmt: skip
    await db.execute(
        "INSERT INTO refunds (tenant_id, order_id, amount_vnd, method, status, settled_at) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        shop.tenant_id, order_id, amount, method, "settled" if settled else "owed",
        utc(settled) if settled else None,
    )  # fmt: skip


async def _seed(db: asyncpg.Connection) -> Shop:
    """seed_sales (March 2026: 3 self-declared sales + 1 TikTok Shop sale of 360.000 đ each) plus
    refunds: one settled in March, one still owed, one settled in April, and a TikTok one."""
    shop = await seed_sales(db)
    lan = await db.fetchval("SELECT id FROM orders WHERE recipient_name IS NULL "
                            "AND status = 'delivered' ORDER BY created_at LIMIT 1")  # fmt: skip
    tiktok = await db.fetchval("SELECT id FROM orders WHERE payment_method = 'platform'")
    await _refund(db, shop, lan, 50_000, "2026-03-10T03:00")
    await _refund(db, shop, lan, 20_000, None)  # owed: not money back yet
    await _refund(db, shop, lan, 100_000, "2026-04-02T03:00")  # counts in Q2
    await _refund(db, shop, tiktok, 60_000, "2026-03-31T16:30")  # 23:30 on 31 March in Vietnam
    await sales_order(db, shop, "delivered", "2026-05-05T03:00", name="Hoa", method="cod")
    return shop


async def test_the_split_adds_up_to_the_periods_orders_and_refunds(
    client: Client, db: asyncpg.Connection
) -> None:
    shop = await _seed(db)
    other = await seed_shop(db, slug="htx-khac")
    await sales_order(db, other, "delivered", "2026-03-01T05:00", name="Người khác")
    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    await log_in(client, login)
    page = await client.get("/thue", params=Q1)
    html = await page.text()
    assert page.status == 200 and "Quý 1/2026" in html
    assert "Sàn đã khấu trừ thuế (TikTok Shop)" in html and "Tự kê khai" in html
    summary = _rows(await (await client.get("/thue/tong-hop.csv", params=Q1)).read())
    by_period = {row[0]: row for row in summary[1:]}
    assert list(by_period) == [
        "Quý 1/2026", "Quý 2/2026", "Quý 3/2026", "Quý 4/2026",
        "6 tháng đầu năm 2026", "6 tháng cuối năm 2026", "Năm 2026",
    ]  # fmt: skip
    q1 = by_period["Quý 1/2026"]
    # platform: 1 order 360.000, refund 60.000 -> 300.000; withheld 1 % and 0.5 % of it
    assert q1[3:9] == ["1", "360000", "60000", "300000", "3000", "1500"]
    # self-declared: 3 orders (COD delivered ×2, transfer shipped), refund 50.000 in March
    assert q1[9:14] == ["3", "1080000", "50000", "1030000", "1330000"]
    q2 = by_period["Quý 2/2026"]
    assert q2[9:14] == ["1", "360000", "100000", "260000", "260000"]
    h1, year = by_period["6 tháng đầu năm 2026"], by_period["Năm 2026"]
    assert h1[13] == str(1_330_000 + 260_000) == year[13]
    # the same figures straight from the tables, outside chotdon's code
    independent = await db.fetchval(
        "SELECT (SELECT sum(total_vnd) FROM orders WHERE tenant_id = $1 AND "
        "(status = 'delivered' OR (paid_at IS NOT NULL AND status NOT IN "
        "('cancelled','expired','returned'))) AND created_at >= '2026-01-01T00:00+07' "
        "AND created_at < '2026-04-01T00:00+07') - (SELECT sum(amount_vnd) FROM refunds "
        "WHERE tenant_id = $1 AND status = 'settled' AND settled_at >= '2026-01-01T00:00+07' "
        "AND settled_at < '2026-04-01T00:00+07')", shop.tenant_id,
    )  # fmt: skip
    assert int(q1[13]) == independent
    detail = _rows(await (await client.get("/thue/chi-tiet.csv", params=Q1)).read())
    assert sorted(r[0] for r in detail[1:]) == ["Bán"] * 4 + ["Hoàn tiền"] * 2
    assert sum(int(r[5]) for r in detail[1:]) == independent
    assert "Người khác" not in html


async def test_pdf_and_einvoice_export(client: Client, db: asyncpg.Connection) -> None:
    shop = await _seed(db)
    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    csrf = await log_in(client, login)
    pdf = await client.get("/thue/so-lieu-thue.pdf", params=Q1)
    assert pdf.status == 200 and pdf.content_type == "application/pdf"
    text = pdf_text(await pdf.read())
    assert "Số liệu kê khai thuế năm 2026" in text and "Quý 1/2026" in text
    assert "1.330.000 đ" in text and "Sàn đã khấu trừ thuế (TikTok Shop)" in text
    missing = await client.get("/thue/hoa-don.xml", params=Q1)
    assert missing.status == 422 and "mã số thuế" in await missing.text()
    bad = await client.post("/thue/hoa-don", data={**SELLER, "tax_code": "12", "csrf": csrf})
    assert bad.status == 400 and "Mã số thuế gồm 10 số" in await bad.text()
    good = await client.post("/thue/hoa-don", data={**SELLER, "csrf": csrf})
    assert good.status == 200 and "Đã lưu thông tin xuất hoá đơn." in await good.text()
    answer = await client.get("/thue/hoa-don.xml", params=Q1)
    assert answer.status == 200
    body = await answer.read()
    assert invoice_errors(body) == []
    xml = body.decode()
    assert xml.count("<HDon>") == 4 and "<KHHDon>C26MAB</KHHDon>" in xml
    assert "<HVTNMHang>Nguyễn Thị Lan</HVTNMHang>" in xml and "0912345678" not in xml
    assert "<TgTTTBSo>360000</TgTTTBSo>" in xml


async def test_only_directors_and_bad_periods(client: Client, db: asyncpg.Connection) -> None:
    shop = await _seed(db)
    _, packer = await add_staff(db, shop.tenant_id, StaffRole.PACKER)
    await log_in(client, packer)
    assert (await client.get("/thue")).status == 403
    assert (await client.get("/thue/tong-hop.csv")).status == 403
    _, director = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    await log_in(client, director)
    bad = await client.get("/thue", params={"ky": "2026-Q9"})
    assert bad.status == 422 and "không hợp lệ" in await bad.text()
    assert (await client.get("/thue/tong-hop.csv", params={"ky": "x"})).status == 422
