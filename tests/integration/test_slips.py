"""Packing slips: A6 pages with barcode, QR, items and COD; bulk for a session, from the CLI."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import asyncpg

from aggregator.settings import Settings
from aggregator.shipping.slip_pdf import Slip, SlipLine, mask_name, mask_phone, render_slips
from aggregator.shipping.slips import session_slips
from schema.enums import Courier
from tests.support.factories import seed_shop
from tests.support.pdf import barcodes, page_images, pdf_text
from tests.support.processes import cli_env, run_cli
from tests.support.shipping import seed_packing_orders

PAGE = re.compile(rb"/Type\s*/Page\b")


def pages(pdf: bytes) -> int:
    return len(PAGE.findall(pdf))


def test_buyer_is_masked_on_the_slip() -> None:
    assert mask_name("Nguyễn Thị Lan") == "Nguyễn T. L."
    assert mask_phone("0987654321") == "*******321"


def test_a_slip_renders_one_a6_page_with_vietnamese_text() -> None:
    line = SlipLine("Gạo ST25 túi 5kg", 2, 180_000)
    slip = Slip("CD0000042", "HTX Nông sản Thái Bình", "Nguyễn Thị Lan", "0987654321", "Thanh Hóa",
                360_000, (line,), "ghn", "GHN0000042")  # fmt: skip
    pdf = render_slips([slip])
    assert pdf.startswith(b"%PDF") and pages(pdf) == 1
    assert b"0987654321" not in pdf  # the phone never appears in clear
    assert b"MediaBox [ 0 0 297.6378 419.5276 ]" in pdf  # A6 in points
    images = page_images(pdf, dpi=150)
    assert len(images) == 1
    # what a scanner reads on the printed slip: the order number, as Code128 and as QR
    assert barcodes(images[0]) == {("Code128", "CD0000042"), ("QRCode", "CD0000042")}
    text = pdf_text(pdf)
    for expected in ("HTX Nông sản Thái Bình", "Nguyễn T. L. *******321", "Thanh Hóa",
                     "GHN GHN0000042", "2 × Gạo ST25 túi 5kg",
                     "Thu hộ (COD): 360.000 đ"):  # fmt: skip
        assert expected in text, expected


async def test_bulk_slips_of_a_session_from_the_cli(
    db: asyncpg.Connection, settings: Settings, tmp_path: Path
) -> None:
    shop = await seed_shop(db)
    await seed_packing_orders(db, shop, 12, Courier.GHTK)
    slips = await session_slips(db, shop.session_id)
    assert len(slips) == 12 and all(s.cod_vnd == 360_000 and s.lines for s in slips)
    out = tmp_path / "slips.pdf"
    env = cli_env(DATABASE_URL=settings.database_url or "", REDIS_URL=settings.redis_url or "")
    result = await asyncio.to_thread(
        run_cli, "slips", str(shop.session_id), "--out", str(out), env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "12 slips" in result.stdout
    assert pages(out.read_bytes()) == 12
    missing = await asyncio.to_thread(run_cli, "slips", "999999", "--out", str(out), env=env)
    assert missing.returncode == 1 and "no order to pack" in missing.stderr
