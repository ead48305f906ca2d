"""The buyer's order page through the web app: open, change, confirm, and every bad input."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from arq.connections import ArqRedis

from aggregator.confirmation.links import link_key, order_token
from aggregator.core.links import sign_order_token
from aggregator.orders.state import transition
from aggregator.settings import Settings
from aggregator.shipping.slip_pdf import render_slips
from aggregator.shipping.slips import session_slips
from aggregator.web.app import create_app
from schema.enums import HoldMode
from schema.states import OrderStatus
from tests.support.confirmation import confirmation_settings, order_from_comments, shop_with_origins
from tests.support.factories import Shop

HANOI, HOAN_KIEM = "1", "70"  # Thành phố Hà Nội, Phường Hoàn Kiếm (2025 units)
THAI_BINH_WARD = "12097"  # a ward of another province
UA = "Mozilla/5.0 (Linux; Android 14; test phone) chotdon-test"


@dataclass
class Rig:
    client: TestClient  # type: ignore[type-arg]
    settings: Settings


@pytest.fixture
async def rig(settings: Settings) -> AsyncIterator[Rig]:
    own = confirmation_settings(settings)
    async with TestClient(TestServer(create_app(own))) as client:
        yield Rig(client, own)


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


async def _open(rig: Rig, order_id: int) -> tuple[str, str]:
    """GET the page; returns (path, html)."""
    path = f"/o/{order_token(rig.settings, order_id)}"
    answer = await rig.client.get(path)
    assert answer.status == 200, await answer.text()
    return path, await answer.text()


def _delivery(**overrides: str) -> dict[str, str]:
    form = {
        "name": "Nguyễn Thị Lan",
        "phone": "+84 912 345 678",
        "province": HANOI,
        "ward": HOAN_KIEM,
        "address": "Số 5 ngõ 12 phố Hàng Bông",
        "note": "Giao giờ hành chính",
        "payment": "cod",
        "consent": "yes",  # the buyer ticked the box under the personal-data notice
    }
    form.update(overrides)
    return form


async def _post(rig: Rig, order_id: int, action: str, **fields: str) -> tuple[int, str]:
    path, html = await _open(rig, order_id)
    form = {"proof": _hidden(html, "proof"), "digest": _hidden(html, "digest"), "action": action}
    form.update(fields)
    answer = await rig.client.post(
        path, data=form, headers={"User-Agent": UA}, allow_redirects=False
    )
    return answer.status, await answer.text()


async def _order(db: asyncpg.Connection, order_id: int) -> asyncpg.Record:
    row = await db.fetchrow("SELECT * FROM orders WHERE id = $1", order_id)
    assert row is not None
    return row


async def _lines(db: asyncpg.Connection, order_id: int) -> list[tuple[str, int, str]]:
    rows = await db.fetch(
        "SELECT code, qty, status FROM order_items WHERE order_id = $1 AND status <> 'removed' "
        "ORDER BY code",
        order_id,
    )
    return [(r["code"], r["qty"], r["status"]) for r in rows]


@pytest.fixture
async def shop(db: asyncpg.Connection) -> Shop:
    return await shop_with_origins(db, stock={"A01": 5})


async def test_the_page_shows_items_prices_origin_and_total(
    rig: Rig, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, shop: Shop
) -> None:
    order_id = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01 x2, 1 nem")
    _, html = await _open(rig, order_id)
    assert "Gạo ST25 túi 5kg" in html and "Nem chua Thanh Hóa" in html
    assert "180.000 ₫" in html and "420.000 ₫" in html  # 2 × 180.000 + 60.000
    assert "HTX Nông sản Vũ Thư" in html and "OCOP ★★★★" in html and "OCOP-TB-2024-118" in html
    assert "Thành phố Hà Nội" in html and "Chuyển khoản VietQR" in html
    assert 'src="data:image/svg+xml;base64,' in html
    answer = await rig.client.get(f"/o/{order_token(rig.settings, order_id)}")
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert "SameSite=Strict" in answer.headers["Set-Cookie"]


async def test_tampered_expired_and_foreign_tokens_open_nothing(
    rig: Rig, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, shop: Shop
) -> None:
    mine = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01")
    other = await order_from_comments(db, pool, arq_pool, shop, "minh", "chốt A01")
    token = order_token(rig.settings, mine)
    flipped = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]
    for bad in (flipped, token[:-1], "x" * 64, "abc%3Cscript%3E"):
        answer = await rig.client.get(f"/o/{bad}")
        assert answer.status == 404
        assert "Đường link không đúng" in await answer.text()
    expired = sign_order_token(link_key(rig.settings), mine, 1_000)
    answer = await rig.client.get(f"/o/{expired}")
    assert answer.status == 410
    assert "đã hết hạn" in await answer.text()
    # A token signed with another key (another deployment) opens nothing here either.
    assert (await rig.client.get(f"/o/{sign_order_token(b'k' * 32, other, 2**40)}")).status == 404
    _, html = await _open(rig, mine)
    order_no = await db.fetchval("SELECT order_no FROM orders WHERE id = $1", other)
    assert order_no not in html


async def test_confirming_stores_the_delivery_the_event_and_the_buyer_address(
    rig: Rig, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, shop: Shop
) -> None:
    order_id = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01 x2")
    status, _ = await _post(rig, order_id, "confirm", **_delivery(), qty_0="5")
    assert status == 303
    order = await _order(db, order_id)
    assert order["status"] == "confirmed"
    assert order["recipient_phone"] == "0912345678"  # normalised
    assert (order["province_code"], order["ward_code"]) == (HANOI, HOAN_KIEM)
    event = await db.fetchrow(
        "SELECT actor, data FROM order_events WHERE order_id = $1 AND kind = 'buyer_confirmed'",
        order_id,
    )
    assert event["actor"] == "buyer:order_page"
    assert event["data"]["user_agent"] == UA
    assert event["data"]["total_vnd"] == 360_000
    assert event["data"]["lines"][0]["qty"] == 2
    buyer = await db.fetchrow(
        "SELECT full_name, ward_code, address_line FROM buyers WHERE id = $1", order["buyer_id"]
    )
    assert tuple(buyer) == ("Nguyễn Thị Lan", HOAN_KIEM, "Số 5 ngõ 12 phố Hàng Bông")
    _, html = await _open(rig, order_id)
    assert "Đã xác nhận" in html and "Phường Hoàn Kiếm" in html
    # The same buyer's next order (another live) opens with the address filled in.
    # (a live of this cooperative: since 0035 a session cannot join another cooperative's live)
    live = await db.fetchval(
        "INSERT INTO lives (tenant_id, title, started_at) VALUES ($1, 'Live sau', now()) "
        "RETURNING id", shop.tenant_id,
    )  # fmt: skip
    session_id = await db.fetchval(
        "INSERT INTO live_sessions (tenant_id, channel_id, external_live_id, title, live_id, "
        "started_at) VALUES ($1, $2, 'live-sau', 'Live sau', $3, now()) RETURNING id",
        shop.tenant_id, shop.channel_id, live,
    )  # fmt: skip
    await db.execute(
        "INSERT INTO live_stock (tenant_id, live_id, product_id, quantity) VALUES ($1, $2, $3, 10)",
        shop.tenant_id, live, shop.products["B01"],
    )  # fmt: skip
    again = Shop(shop.tenant_id, shop.channel_id, shop.page_id, session_id, "live-sau",
                 shop.products, live)  # fmt: skip
    next_order = await order_from_comments(db, pool, arq_pool, again, "lan", "chốt B01")
    _, html = await _open(rig, next_order)
    assert 'value="Số 5 ngõ 12 phố Hàng Bông"' in html and 'value="0912345678"' in html


async def test_script_in_name_and_address_is_escaped_everywhere(
    rig: Rig, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, shop: Shop
) -> None:
    order_id = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01")
    script = "<script>alert('x')</script>"
    status, html = await _post(
        rig, order_id, "confirm", **_delivery(name=f"Lan {script}", address=f"Số 5 {script}")
    )
    assert status == 303
    assert (await _order(db, order_id))["recipient_name"] == f"Lan {script}"  # stored as typed
    _, html = await _open(rig, order_id)
    assert script not in html
    assert "&lt;script&gt;" in html
    # The packing slip prints it as plain text (reportlab drawString reads no markup).
    await transition(db, [order_id], OrderStatus.PACKING, actor="staff:test", reason="pack")
    [slip] = await session_slips(db, shop.session_id)
    assert slip.recipient_name == f"Lan {script}"
    assert render_slips([slip]).startswith(b"%PDF")
    # A refused form shows what was typed again, escaped too.
    other = await order_from_comments(db, pool, arq_pool, shop, "minh", "chốt A01")
    status, html = await _post(rig, other, "confirm", **_delivery(name=script, phone="123"))
    assert status == 400 and script not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "024 3825 1234", "số di động Việt Nam"),  # a Hà Nội landline
        ("phone", "+1 415 555 0100", "số di động Việt Nam"),
        ("ward", THAI_BINH_WARD, "phường/xã thuộc tỉnh"),
        ("province", "99", "chọn tỉnh/thành phố"),
        ("name", "", "họ tên"),
        ("address", "", "số nhà"),
        ("payment", "bitcoin", "cách thanh toán"),
        ("qty_0", "1000000", "từ 0 đến 99"),
    ],
)
async def test_bad_input_gets_a_vietnamese_message_and_stores_nothing(
    rig: Rig,
    db: asyncpg.Connection,
    pool: asyncpg.Pool,
    arq_pool: ArqRedis,
    shop: Shop,
    field: str,
    value: str,
    message: str,
) -> None:
    order_id = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01 x2")
    if field == "qty_0":
        line_id = await db.fetchval("SELECT id FROM order_items WHERE order_id = $1", order_id)
        field = f"qty_{line_id}"
    status, html = await _post(rig, order_id, "confirm", **_delivery(**{field: value}))
    assert status == 400
    assert message in html
    order = await _order(db, order_id)
    assert order["status"] == "awaiting_confirmation" and order["recipient_phone"] is None
    assert await _lines(db, order_id) == [("A01", 2, "held")]


async def test_a_form_without_the_cookie_proof_is_refused(
    rig: Rig, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, shop: Shop
) -> None:
    order_id = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01")
    path, html = await _open(rig, order_id)
    rig.client.session.cookie_jar.clear()  # another site's form: no SameSite cookie comes along
    form = {"proof": _hidden(html, "proof"), "digest": _hidden(html, "digest"), "action": "confirm"}
    answer = await rig.client.post(path, data={**form, **_delivery()}, allow_redirects=False)
    assert answer.status == 400
    assert "tải lại trang" in await answer.text()
    assert (await _order(db, order_id))["status"] == "awaiting_confirmation"


async def test_quantity_changes_stay_within_the_stock(
    rig: Rig, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, shop: Shop
) -> None:
    lan = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01 x2")
    minh = await order_from_comments(db, pool, arq_pool, shop, "minh", "chốt A01 x3")
    hoa = await order_from_comments(db, pool, arq_pool, shop, "hoa", "chốt A01 x2")
    assert await _lines(db, hoa) == [("A01", 2, "waitlisted")]
    line = await db.fetchval("SELECT id FROM order_items WHERE order_id = $1", lan)
    status, html = await _post(rig, lan, "update", **{f"qty_{line}": "4"})
    assert status == 400 and "đã hết hàng" in html  # 5 in stock, all held, someone waiting
    assert await _lines(db, lan) == [("A01", 2, "held")]
    minh_line = await db.fetchval("SELECT id FROM order_items WHERE order_id = $1", minh)
    status, _ = await _post(rig, minh, "update", **{f"qty_{minh_line}": "1"})
    assert status == 303
    assert await _lines(db, minh) == [("A01", 1, "held")]
    assert await _lines(db, hoa) == [("A01", 2, "held")]  # the freed two went to the waitlist
    assert await db.fetchval("SELECT reserved FROM live_stock") == 5
    status, _ = await _post(rig, minh, "update", **{f"qty_{minh_line}": "0"})
    assert status == 303 and await _lines(db, minh) == []
    assert await db.fetchval("SELECT reserved FROM live_stock") == 4
    status, _ = await _post(rig, lan, "update", **{f"qty_{line}": "3"})
    assert status == 303 and await _lines(db, lan) == [("A01", 3, "held")]
    assert (await _order(db, lan))["total_vnd"] == 3 * 180_000
    status, html = await _post(rig, lan, "update", **{f"qty_{line}": "5"})
    assert status == 400 and "chỉ còn thêm được 0" not in html and "hết hàng" in html


async def test_first_to_confirm_wins_in_first_confirm_mode(
    rig: Rig, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await shop_with_origins(db, stock={"A01": 1}, hold_mode=HoldMode.FIRST_CONFIRM)
    early = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01")
    late = await order_from_comments(db, pool, arq_pool, shop, "minh", "chốt A01")
    assert await _lines(db, early) == [("A01", 1, "requested")]
    assert await db.fetchval("SELECT reserved FROM live_stock") == 0
    assert (await _post(rig, late, "confirm", **_delivery()))[0] == 303
    assert (await _post(rig, early, "confirm", **_delivery(phone="0987654321")))[0] == 303
    assert await _lines(db, late) == [("A01", 1, "held")]
    assert await _lines(db, early) == [("A01", 1, "waitlisted")]
    assert await db.fetchval("SELECT reserved FROM live_stock") == 1
    _, html = await _open(rig, early)
    assert "danh sách chờ" in html


async def test_a_page_shown_before_the_buyer_commented_again_must_be_looked_at_again(
    rig: Rig, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, shop: Shop
) -> None:
    order_id = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01")
    path, html = await _open(rig, order_id)
    await order_from_comments(db, pool, arq_pool, shop, "lan", "thêm 2 nem chua")
    form = {"proof": _hidden(html, "proof"), "digest": _hidden(html, "digest"), "action": "confirm"}
    answer = await rig.client.post(path, data={**form, **_delivery()}, allow_redirects=False)
    assert answer.status == 409
    assert "vừa được cập nhật" in await answer.text()
    assert (await _order(db, order_id))["status"] == "awaiting_confirmation"


async def test_a_risky_buyer_must_prepay_when_the_director_says_so(
    rig: Rig, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, shop: Shop
) -> None:
    order_id = await order_from_comments(db, pool, arq_pool, shop, "bom", "chốt A01")
    await db.execute(  # two COD parcels refused before: "high" risk; prepay from "medium" up
        "UPDATE buyers SET returned_count = 2 FROM orders o WHERE o.buyer_id = buyers.id "
        "AND o.id = $1",
        order_id,
    )
    await db.execute(
        'UPDATE tenants SET settings = settings || \'{"prepay_at_risk": "medium"}\'::jsonb '
        "WHERE id = $1",
        shop.tenant_id,
    )
    _, html = await _open(rig, order_id)
    assert 'id="prepay"' in html and 'id="pay-cod"' not in html
    status, page = await _post(rig, order_id, "confirm", **_delivery(payment="cod"))
    assert status == 400
    assert "cần chuyển khoản trước" in page
    assert (await _order(db, order_id))["status"] == "awaiting_confirmation"
    status, _ = await _post(rig, order_id, "confirm", **_delivery(payment="vietqr"))
    assert status == 303
    assert (await _order(db, order_id))["payment_method"] == "vietqr"


@pytest.mark.parametrize("end", [OrderStatus.DELIVERED, OrderStatus.CANCELLED])
async def test_name_phone_and_address_are_hidden_once_the_order_has_ended(
    rig: Rig, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, shop: Shop,
    end: OrderStatus,
) -> None:  # fmt: skip
    order_id = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01 x2")
    status, _ = await _post(rig, order_id, "confirm", **_delivery())
    assert status == 303
    _, html = await _open(rig, order_id)
    assert "Nguyễn Thị Lan" in html and "0912345678" in html and "Hàng Bông" in html
    await db.execute("UPDATE orders SET status = $2 WHERE id = $1", order_id, end.value)
    _, html = await _open(rig, order_id)
    for personal in ("Nguyễn Thị Lan", "0912345678", "Hàng Bông", "Phường Hoàn Kiếm",
                     "Giao giờ hành chính"):  # fmt: skip
        assert personal not in html
    assert 'id="personal-hidden"' in html and "đã được ẩn" in html
    assert "Gạo ST25 túi 5kg" in html  # the order itself still shows


async def test_only_the_canonical_spelling_of_a_token_opens_the_order(
    rig: Rig, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, shop: Shop
) -> None:
    order_id = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01")
    token = next(
        t for t in (order_token(rig.settings, order_id, now=time.time() + n) for n in range(999))
        if "-" in t and "_" in t
    )  # fmt: skip
    assert (await rig.client.get(f"/o/{token}")).status == 200
    for variant in (token.replace("-", "+", 1), token.replace("_", "/", 1), token + "=="):
        answer = await rig.client.get(f"/o/{variant.replace('+', '%2B').replace('/', '%2F')}")
        assert answer.status == 404, variant
