"""Origin a buyer can check, in a real browser (Debian chromium) at a phone's 360 × 740 viewport.

The director adds a batch and an OCOP certificate (with its scanned file) through the forms; the
live draws its stock from the batch; a buyer orders; the packing slip is downloaded as the
packer's browser gets it, drawn as a picture, and its origin QR is read with zxing-cpp as a
phone camera would; that address, opened without any login, shows the batch and certificates
and nothing of the buyer. The buyer's own order page links the same page.
"""

from __future__ import annotations

import socket
from typing import Any

import asyncpg
from aiohttp.test_utils import TestServer
from arq.connections import ArqRedis

from aggregator.confirmation.links import order_link
from aggregator.settings import Settings
from aggregator.web.app import create_app
from schema.enums import StaffRole
from tests.support.browser import ARTIFACTS, fits_the_phone, log_in, shot
from tests.support.confirmation import confirmation_settings, order_from_comments
from tests.support.factories import seed_shop
from tests.support.pdf import barcodes, page_images
from tests.support.sales import seed_sales
from tests.support.staff import add_staff

PDF = b"%PDF-1.4\n% scanned OCOP certificate\n"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _add_batch_and_certificate(page: Any, base: str, product: int) -> None:
    await page.goto(f"{base}/san-pham/{product}/nguon-goc")
    await page.fill("#f-code", "L2026-11-A")
    await page.fill("#f-harvested_on", "2026-11-02")
    await page.fill("#f-packed_on", "2026-11-05")
    await page.fill("#f-expires_on", "2027-11-05")
    await page.fill("#f-quantity", "40")
    await page.fill("#f-place", "Cánh đồng thôn Đông, xã Vũ Thư")
    async with page.expect_navigation():
        await page.click("#add-batch")
    assert "Đã thêm lô hàng." in await page.inner_text("#notice")
    await page.select_option("#c-kind", "ocop")
    await page.select_option("#c-stars", "4")
    await page.fill("#c-number", "OCOP-TB-2024-118")
    await page.fill("#c-issuer", "UBND tỉnh Thái Bình")
    await page.set_input_files(
        "#c-file", {"name": "ocop.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    async with page.expect_navigation():
        await page.click("#add-certificate")
    assert "Đã thêm giấy chứng nhận." in await page.inner_text("#notice")
    await fits_the_phone(page)
    await shot(page, "origin-1-director")


async def test_scanning_the_slips_origin_qr_shows_batch_and_certificates(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis,
    director_browser: Any,
) -> None:  # fmt: skip
    shop = await seed_shop(db)
    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    own = confirmation_settings(settings, public_url=base)
    server = TestServer(create_app(own), host="127.0.0.1", port=port)
    await server.start_server()
    page = director_browser
    try:
        await log_in(page, base, login)
        await _add_batch_and_certificate(page, base, shop.products["A01"])
        await db.execute(
            "INSERT INTO live_stock (tenant_id, live_id, product_id, quantity) "
            "VALUES ($1, $2, $3, 10)", shop.tenant_id, shop.live, shop.products["A01"],
        )  # fmt: skip
        order_id = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01 x2")
        await db.execute(
            "UPDATE orders SET status = 'packing', recipient_name = 'Nguyễn Thị Lan', "
            "recipient_phone = '0912345678' WHERE id = $1", order_id,
        )  # fmt: skip
        slip = await page.request.get(f"{base}/dong-goi/{order_id}/phieu.pdf")
        assert slip.ok and slip.headers["content-type"] == "application/pdf"
        picture = page_images(await slip.body(), 300)[0]
        ARTIFACTS.mkdir(exist_ok=True)
        picture.save(ARTIFACTS / "origin-2-slip.png")
        urls = [text for kind, text in barcodes(picture) if text.startswith(base + "/nguon-goc/")]
        assert len(urls) == 1, barcodes(picture)
        await page.context.clear_cookies()  # a buyer's phone: nobody is logged in
        await page.goto(urls[0])
        assert "L2026-11-A" in await page.inner_text("#batch-code")
        assert await page.inner_text("#harvested") == "02/11/2026"
        assert await page.inner_text("#expires") == "05/11/2027"
        certificates = await page.inner_text("#certificates")
        assert "OCOP" in certificates and "★★★★" in certificates
        assert "OCOP-TB-2024-118" in certificates
        body = await page.inner_text("body")
        assert "Nguyễn Thị Lan" not in body and "0912345678" not in body
        await fits_the_phone(page)
        await shot(page, "origin-3-public-page")
        async with page.expect_navigation():
            await page.click("text=Xem bản chụp giấy chứng nhận")
        assert page.url.startswith(urls[0] + "/chung-nhan/")
        await page.goto(order_link(own, order_id))  # the buyer's own link leads there too
        async with page.expect_navigation():
            await page.click("text=Xem nguồn gốc lô L2026-11-A")
        assert page.url == urls[0]
    finally:
        await server.close()


async def test_the_tax_page_fits_a_phone(
    settings: Settings, db: asyncpg.Connection, director_browser: Any
) -> None:
    shop = await seed_sales(db)
    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    server = TestServer(create_app(settings))
    await server.start_server()
    page = director_browser
    try:
        base = str(server.make_url("")).rstrip("/")
        await log_in(page, base, login)
        await page.goto(f"{base}/thue?ky=2026-Q1")
        assert "Sàn đã khấu trừ thuế (TikTok Shop)" in await page.inner_text("#split")
        assert "1.080.000 ₫" in await page.inner_text("#row-tu-khai")
        await fits_the_phone(page)
        await shot(page, "tax-1-page")
    finally:
        await server.close()
