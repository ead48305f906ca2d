"""The director's catalogue pages: create and edit products with Vietnamese validation, photos,
CSV import with a preview, and the guards (CSRF, roles, another cooperative's products)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient, TestServer
from PIL import Image

from aggregator.settings import Settings
from aggregator.web.app import create_app
from schema.enums import StaffRole
from tests.support.factories import seed_shop
from tests.support.staff import add_staff, log_in

Client = TestClient  # type: ignore[type-arg]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
GOOD = {
    "code": "h05", "name": "Mật ong rừng U Minh", "price_vnd": "250.000", "aliases": "mật ong rừng",
    "variants": "500ml, 1l", "weight_g": "800", "origin_name": "HTX Ong U Minh",
    "origin_province": "Cà Mau", "ocop_stars": "4", "certificate_no": "OCOP-CM-77",
}  # fmt: skip


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_app(settings))) as test_client:
        yield test_client


async def _director(client: Client, db: asyncpg.Connection) -> tuple[int, str]:
    shop = await seed_shop(db)
    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    return shop.tenant_id, await log_in(client, login)


async def test_a_director_creates_and_edits_a_product(
    client: Client, db: asyncpg.Connection
) -> None:
    tenant_id, csrf = await _director(client, db)
    answer = await client.post("/san-pham/moi", data={**GOOD, "csrf": csrf}, allow_redirects=False)
    assert answer.status == 303
    row = await db.fetchrow(
        "SELECT * FROM products WHERE tenant_id = $1 AND code = 'H05'", tenant_id
    )
    assert row["price_vnd"] == 250_000 and row["aliases"] == ["mật ong rừng"]
    assert row["variants"] == ["500ml", "1l"] and row["ocop_stars"] == 4
    assert row["certificate_no"] == "OCOP-CM-77" and row["weight_g"] == 800
    listing = await (await client.get("/san-pham")).text()
    assert "Mật ong rừng U Minh" in listing and "250.000 ₫" in listing and "OCOP ★★★★" in listing
    edit = {**GOOD, "price_vnd": "260000", "active": "", "csrf": csrf}
    answer = await client.post(f"/san-pham/{row['id']}", data=edit)
    assert answer.status == 200 and "Đã lưu sản phẩm." in await answer.text()
    saved = await db.fetchrow("SELECT price_vnd, active FROM products WHERE id = $1", row["id"])
    assert saved["price_vnd"] == 260_000 and saved["active"] is False


async def test_bad_fields_come_back_in_vietnamese_and_escaped(
    client: Client, db: asyncpg.Connection
) -> None:
    tenant_id, csrf = await _director(client, db)
    before = await db.fetchval("SELECT count(*) FROM products WHERE tenant_id = $1", tenant_id)
    bad = {**GOOD, "name": "<script>alert(1)</script>", "price_vnd": "một trăm",
           "ocop_stars": "7", "code": "A-1", "csrf": csrf}  # fmt: skip
    answer = await client.post("/san-pham/moi", data=bad)
    html = await answer.text()
    assert answer.status == 400
    assert "Giá là số tiền VND" in html and "Mã gồm tối đa 3 chữ cái" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    taken = await client.post("/san-pham/moi", data={**GOOD, "code": "A01", "csrf": csrf})
    assert taken.status == 400 and "Mã A01 đã có trong danh mục." in await taken.text()
    clash = await client.post("/san-pham/moi", data={**GOOD, "aliases": "ST25", "csrf": csrf})
    assert clash.status == 400 and "“ST25” (mã A01)" in await clash.text()
    after = await db.fetchval("SELECT count(*) FROM products WHERE tenant_id = $1", tenant_id)
    assert after == before


async def _director_and_a01(client: Client, db: asyncpg.Connection) -> tuple[str, int]:
    """A signed-in director's CSRF token, and the id of their product A01."""
    tenant_id, csrf = await _director(client, db)
    product_id = await db.fetchval(
        "SELECT id FROM products WHERE tenant_id = $1 AND code = 'A01'", tenant_id
    )
    return csrf, int(product_id)


async def _post_photo(client: Client, csrf: str, product_id: int, data: bytes) -> Any:
    form = FormData({"csrf": csrf})
    form.add_field("photo", data, filename="../../etc/passwd", content_type="text/plain")
    return await client.post(f"/san-pham/{product_id}/anh", data=form)


async def test_photos_are_checked_stored_and_served_with_their_type(
    client: Client, db: asyncpg.Connection
) -> None:
    csrf, product_id = await _director_and_a01(client, db)
    fake = await _post_photo(client, csrf, product_id, b"<svg onload=alert(1)>")
    assert fake.status == 400 and "Chỉ nhận ảnh JPEG, PNG hoặc WebP." in await fake.text()
    cut = await _post_photo(client, csrf, product_id, _jpeg(800, 600)[:3000])
    assert cut.status == 400 and "Không đọc được ảnh này" in await cut.text()
    bomb = await _post_photo(client, csrf, product_id, _png(10_000, 10_000))  # 100 MP, 100 KB
    assert bomb.status == 400 and "quá nhiều điểm ảnh" in await bomb.text()
    assert await db.fetchval("SELECT count(*) FROM product_photos") == 0

    logo = await _post_photo(client, csrf, product_id, _png(300, 200, transparent=True))
    assert logo.status == 200
    served = await client.get(f"/san-pham/{product_id}/anh")
    assert served.status == 200 and served.content_type == "image/webp"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(await served.read())).size == (300, 200)  # never enlarged


async def test_a_phone_photo_is_taken_upright_small_and_without_its_metadata(
    client: Client, db: asyncpg.Connection
) -> None:
    """A 12-megapixel photo of several MB, held sideways (EXIF orientation 6) and carrying GPS
    metadata, as a phone sends it: stored upright, 1200 px at most, a JPEG without EXIF."""
    csrf, product_id = await _director_and_a01(client, db)
    taken = _jpeg(4000, 3000, orientation=6)
    assert len(taken) > 1_048_576  # more than the app-wide body limit
    assert (await _post_photo(client, csrf, product_id, taken)).status == 200
    served = await (await client.get(f"/san-pham/{product_id}/anh")).read()
    image = Image.open(io.BytesIO(served))
    assert (image.format, image.size) == ("JPEG", (900, 1200))  # turned upright, then shrunk
    assert not image.getexif() and len(served) < 800 * 1024


async def test_a_photo_over_the_upload_limit_is_refused_in_vietnamese(
    client: Client, db: asyncpg.Connection
) -> None:
    csrf, product_id = await _director_and_a01(client, db)
    huge = await _post_photo(client, csrf, product_id, _jpeg(64, 64) + b"\x00" * 21 * 1024 * 1024)
    assert huge.status == 413 and "Tệp gửi lên lớn quá (tối đa 20 MB)" in await huge.text()
    other = await client.post("/san-pham/nhap", data=b"x" * 2 * 1024 * 1024)  # other forms: 1 MB
    assert other.status == 413 and "tối đa 1 MB" in await other.text()
    assert await db.fetchval("SELECT count(*) FROM product_photos") == 0


def _jpeg(width: int, height: int, orientation: int | None = None) -> bytes:
    """Noise, so the JPEG is as heavy as a real photo; with EXIF orientation and GPS if asked."""
    image = Image.effect_noise((width, height), 80).convert("RGB")
    out = io.BytesIO()
    if orientation is None:
        image.save(out, "JPEG", quality=95)
        return out.getvalue()
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x8825] = {1: "N", 2: (21.0, 1.0, 30.0)}  # GPS: where the farm is
    image.save(out, "JPEG", quality=95, exif=exif)
    return out.getvalue()


def _png(width: int, height: int, transparent: bool = False) -> bytes:
    image = Image.new("RGBA" if transparent else "RGB", (width, height), (200, 30, 40))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


CSV = (
    "code,name,aliases,variants,price_vnd,weight_g,origin_name,origin_province,ocop_stars,"
    "certificate_no\n"
    "A01,Gạo ST25 túi 5kg mới,st25,,190000,5000,HTX Vũ Thư,Thái Bình,4,OCOP-1\n"
    "C07,Chè Thái Nguyên,chè búp; trà,100g,120.000,100,,Thái Nguyên,3,\n"
    "C08,Cà phê,,,,0,,,,\n"
    "C09,Cà phê hạt,,,90000,0,,,6,\n"
    "C07,Chè lần hai,,,1000,0,,,,\n"
    "C10,Bánh,nem chua,,5000,0,,,,\n"
    "C11,Muối,,,1,0,,,,,thừa\n"
)


async def test_csv_import_previews_bad_lines_then_upserts_the_good_ones(
    client: Client, db: asyncpg.Connection
) -> None:
    tenant_id, csrf = await _director(client, db)
    template = await client.get("/san-pham/mau.csv")
    assert template.content_type == "text/csv"
    assert (await template.text()).lstrip("\ufeff").startswith("code,name,aliases,variants")
    form = FormData({"csrf": csrf, "action": "preview"})
    form.add_field("file", CSV.encode(), filename="sp.csv", content_type="text/csv")
    preview = await client.post("/san-pham/nhap", data=form)
    html = await preview.text()
    assert preview.status == 200
    assert "Dòng 4:</strong> Giá: Giá là số tiền VND" in html
    assert "Dòng 5:</strong> Sao OCOP: Sao OCOP là 3, 4 hoặc 5" in html
    assert "Dòng 6:</strong> Mã C07 đã có ở dòng 3." in html
    assert "Dòng 7:</strong> Tên gọi khác đã thuộc sản phẩm khác: “nem chua” (mã N01)." in html
    assert "Dòng 8:</strong> Dòng có nhiều ô hơn số cột" in html
    price = "SELECT price_vnd FROM products WHERE tenant_id = $1 AND code = 'A01'"
    assert await db.fetchval(price, tenant_id) == 180_000  # a preview changes nothing
    applied = await client.post(
        "/san-pham/nhap", data={"csrf": csrf, "action": "apply", "text": CSV}
    )
    assert (
        "Đã nhập: 1 sản phẩm mới, 1 sản phẩm cập nhật, bỏ qua 5 dòng lỗi." in await applied.text()
    )
    rows = await db.fetch(
        "SELECT code, name, aliases, variants, price_vnd, ocop_stars FROM products "
        "WHERE tenant_id = $1 AND code IN ('A01', 'C07', 'C08', 'C10') ORDER BY code", tenant_id,
    )  # fmt: skip
    assert [(r["code"], r["price_vnd"]) for r in rows] == [("A01", 190_000), ("C07", 120_000)]
    assert rows[1]["aliases"] == ["chè búp", "trà"] and rows[1]["variants"] == ["100g"]
    missing = await client.post(
        "/san-pham/nhap", data={"csrf": csrf, "action": "preview", "text": "ma,ten\nA1,x\n"}
    )
    assert missing.status == 400 and "Thiếu cột: code, name, price_vnd" in await missing.text()


async def test_csrf_roles_and_other_cooperatives_are_refused(
    client: Client, db: asyncpg.Connection
) -> None:
    tenant_a, _ = await _director(client, db)
    product_a = await db.fetchval(
        "SELECT id FROM products WHERE tenant_id = $1 AND code = 'A01'", tenant_a
    )
    await db.execute(
        "INSERT INTO product_photos (product_id, tenant_id, content_type, data) "
        "VALUES ($1, $2, 'image/png', $3)", product_a, tenant_a, PNG,
    )  # fmt: skip
    tenant_b, csrf_b = await _director(client, db)  # now logged in as B's director
    assert (await client.post("/san-pham/moi", data={**GOOD})).status == 403  # no CSRF
    assert (await client.post("/san-pham/moi", data={**GOOD, "csrf": "x"})).status == 403
    for path in (f"/san-pham/{product_a}", f"/san-pham/{product_a}/anh"):
        assert (await client.get(path)).status == 404
    edit = await client.post(f"/san-pham/{product_a}", data={**GOOD, "csrf": csrf_b})
    assert edit.status == 404
    photo = FormData({"csrf": csrf_b})
    photo.add_field("photo", PNG, filename="x.png", content_type="image/png")
    assert (await client.post(f"/san-pham/{product_a}/anh", data=photo)).status == 404
    # B's import of code A01 makes B's own A01, never touches A's
    await client.post("/san-pham/nhap", data={"csrf": csrf_b, "action": "apply", "text": CSV})
    assert await db.fetchval("SELECT price_vnd FROM products WHERE id = $1", product_a) == 180_000
    assert f'href="/san-pham/{product_a}"' not in await (await client.get("/san-pham")).text()
    for role in (StaffRole.STAFF, StaffRole.PACKER):
        _, login = await add_staff(db, tenant_b, role)
        csrf = await log_in(client, login)
        for path in ("/san-pham", "/san-pham/moi", "/san-pham/nhap", "/san-pham/mau.csv"):
            assert (await client.get(path)).status == 403, (role, path)
        answer = await client.post("/san-pham/moi", data={**GOOD, "csrf": csrf})
        assert answer.status == 403
        assert "Sản phẩm" not in (await (await client.get("/dong-goi")).text()).split("<main>")[0]
    assert await db.fetchval("SELECT count(*) FROM products WHERE code = 'H05'") == 0
