"""Director's reports against a seeded set of orders: Vietnam days at the UTC boundary, numbers per
day / live / platform / product, CSV for Excel (BOM), the tax PDF (pages rendered, Vietnamese text
present), roles and another cooperative's director who sees none of it."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from aggregator.settings import Settings
from aggregator.web import staff_reports
from aggregator.web.app import create_app
from schema.enums import StaffRole
from tests.support.browser import ARTIFACTS
from tests.support.factories import seed_shop
from tests.support.pdf import pdf_text, save_pages
from tests.support.sales import sales_order, seed_sales
from tests.support.staff import add_staff, log_in

Client = TestClient  # type: ignore[type-arg]
RANGE = {"tu": "2026-03-01", "den": "2026-03-02"}


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_app(settings))) as test_client:
        yield test_client


def _rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the BOM
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


async def test_report_numbers_per_vietnam_day_live_platform_and_product(
    client: Client, db: asyncpg.Connection
) -> None:
    shop = await seed_sales(db)
    other = await seed_shop(db, slug="htx-khac")
    await sales_order(db, other, "delivered", "2026-03-01T05:00")
    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    await log_in(client, login)
    page = await client.get("/bao-cao", params=RANGE)
    assert page.status == 200
    html = await page.text()
    assert "Theo ngày" in html and 'id="export-pdf"' in html
    by_day = _rows(await (await client.get("/bao-cao/ngay.csv", params=RANGE)).read())
    assert by_day[0] == ["Ngày", "Số đơn", "Đã xác nhận", "Đã giao", "Hoàn hàng",
                         "Doanh thu (đ)", "Chưa thu (đ)", "COD chưa đối soát (đ)",
                         "Hoàn tiền (đ)", "Doanh thu sau hoàn tiền (đ)"]  # fmt: skip
    assert by_day[1:] == [
        ["01/03/2026", "3", "2", "2", "0", "720000", "0", "360000", "0", "720000"],
        ["02/03/2026", "5", "4", "1", "1", "720000", "360000", "0", "0", "720000"],
        ["Tổng", "8", "6", "3", "1", "1440000", "360000", "360000", "0", "1440000"],
    ]
    by_platform = _rows(await (await client.get("/bao-cao/nen-tang.csv", params=RANGE)).read())
    assert [[*r[:3], r[5]] for r in by_platform[1:]] == [
        ["Facebook", "7", "5", "1080000"], ["TikTok", "1", "1", "360000"],
    ]  # fmt: skip
    by_live = _rows(await (await client.get("/bao-cao/live.csv", params=RANGE)).read())
    # each live named by its start (Vietnam time, with the date), platforms and title
    assert sorted((r[0].split(" · ", 1)[1], r[1]) for r in by_live[1:]) == [
        ("Facebook · Live tối", "7"),
        ("TikTok · Live TikTok trưa", "1"),
    ]
    assert all(re.match(r"\d\d:\d\d \d\d/\d\d/\d{4} · ", r[0]) for r in by_live[1:])
    by_product = _rows(await (await client.get("/bao-cao/san-pham.csv", params=RANGE)).read())
    assert by_product[1] == ["A01", "Gạo ST25 túi 5kg", "", "8", "6", "3", "1", "16",
                             "1440000", "360000"]  # fmt: skip
    invoices = _rows(await (await client.get("/bao-cao/hoa-don.csv", params=RANGE)).read())
    assert [(r[1], r[2], r[3], r[8]) for r in invoices[1:]] == [
        ("01/03/2026", "Trần Văn Hùng", "", "360000"),
        ("01/03/2026", "Nguyễn Thị Lan", "091****678", "360000"),
        ("02/03/2026", "Lê Thu Hà", "", "360000"),
        ("02/03/2026", "Phạm Minh", "", "360000"),
    ]
    assert invoices[1][4] == "2 × Gạo ST25 túi 5kg @ 180.000 đ"
    assert "0912345678" not in (await (await client.get("/bao-cao", params=RANGE)).text())


async def test_tax_pdf_renders_pages_with_vietnamese_text(
    client: Client, db: asyncpg.Connection
) -> None:
    shop = await seed_sales(db)
    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    await log_in(client, login)
    answer = await client.get("/bao-cao/bao-cao.pdf", params=RANGE)
    assert answer.status == 200 and answer.headers["Content-Type"] == "application/pdf"
    assert "bao-cao-thue-20260301-20260302.pdf" in answer.headers["Content-Disposition"]
    pdf = await answer.read()
    text = pdf_text(pdf)
    for expected in ("Báo cáo doanh thu", "HTX Nông sản Thái Bình", "Doanh thu theo ngày",
                     "Hoá đơn theo người mua (4 đơn)", "Nguyễn Thị Lan", "091****678",
                     "Gạo ST25 túi 5kg", "1.440.000 đ", "đã chuyển khoản",
                     "thanh toán qua sàn"):  # fmt: skip
        assert expected in text, expected
    ARTIFACTS.mkdir(exist_ok=True)
    pages = save_pages(pdf, dpi=60, prefix=ARTIFACTS / "report-tax-pdf")
    assert pages and all(p.stat().st_size > 5_000 for p in pages)


async def test_a_pdf_longer_than_the_limit_is_refused_with_advice(
    client: Client, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(staff_reports, "MAX_PDF_INVOICES", 3)
    shop = await seed_sales(db)
    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    await log_in(client, login)
    answer = await client.get("/bao-cao/bao-cao.pdf", params=RANGE)
    assert answer.status == 422
    assert "có 4 hoá đơn, PDF nhận tối đa 3" in await answer.text()
    assert (await client.get("/bao-cao/hoa-don.csv", params=RANGE)).status == 200


async def test_only_directors_of_the_cooperative_see_its_reports(
    client: Client, db: asyncpg.Connection
) -> None:
    shop = await seed_sales(db)
    other = await seed_shop(db, slug="htx-khac")
    _, staff = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    await log_in(client, staff)
    for path in ("/bao-cao", "/bao-cao/ngay.csv", "/bao-cao/bao-cao.pdf"):
        assert (await client.get(path, params=RANGE)).status == 403
    assert "/bao-cao" not in await (await client.get("/don")).text()  # no nav link either
    _, foreign = await add_staff(db, other.tenant_id, StaffRole.DIRECTOR)
    await log_in(client, foreign)
    mine = _rows(await (await client.get("/bao-cao/ngay.csv", params=RANGE)).read())
    assert mine[1:] == [["Tổng", "0", "0", "0", "0", "0", "0", "0", "0", "0"]]
    invoices = _rows(await (await client.get("/bao-cao/hoa-don.csv", params=RANGE)).read())
    assert invoices[1:] == []
    backwards = await client.get("/bao-cao", params={"tu": "2026-03-05", "den": "2026-03-01"})
    assert (
        backwards.status == 422 and "Ngày kết thúc phải sau ngày bắt đầu" in await backwards.text()
    )
    bad = await client.get("/bao-cao", params={"tu": "1/3/2026"})
    assert bad.status == 422 and "không hợp lệ" in await bad.text()
    assert (await client.get("/bao-cao/khac.csv", params=RANGE)).status == 404
