"""Personal data under Law 91/2025/QH15, end to end against Postgres and Redis: consent recorded
on every confirmation, the buyer's own data page (see, download, ask erasure), staff completing
requests by their deadline, staff reads of phones and addresses logged, the breach log's 72-hour
clock, the printable register, and the "bom hàng" record staying inside its cooperative."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer
from arq.connections import ArqRedis
from pypdf import PdfReader

from aggregator.confirmation.links import link_key, order_token
from aggregator.confirmation.replies import confirm_by_reply
from aggregator.confirmation.summary import VIETNAM
from aggregator.core.links import sign_order_token
from aggregator.settings import Settings
from aggregator.web.app import create_app
from schema.enums import StaffRole
from tests.support.confirmation import confirmation_settings, order_from_comments, shop_with_origins
from tests.support.factories import Shop
from tests.support.staff import add_order, add_staff, hidden, log_in

UA = "Mozilla/5.0 (Linux; Android 14; test phone) chotdon-test"
DELIVERY = {"name": "Nguyễn Thị Lan", "phone": "0912 345 678", "province": "1", "ward": "70",
            "address": "Số 5 ngõ 12 phố Hàng Bông", "payment": "cod"}  # fmt: skip


@dataclass
class Rig:
    client: TestClient  # type: ignore[type-arg]
    settings: Settings


@pytest.fixture
async def rig(settings: Settings) -> AsyncIterator[Rig]:
    own = confirmation_settings(settings)
    async with TestClient(TestServer(create_app(own))) as client:
        yield Rig(client, own)


@pytest.fixture
async def shop(db: asyncpg.Connection) -> Shop:
    return await shop_with_origins(db, stock={"A01": 5})


async def _confirm(rig: Rig, order_id: int, **extra: str) -> tuple[int, str]:
    path = f"/o/{order_token(rig.settings, order_id)}"
    html = await (await rig.client.get(path)).text()
    form = {"proof": hidden(html, "proof"), "digest": hidden(html, "digest"), "action": "confirm",
            **DELIVERY, **extra}  # fmt: skip
    answer = await rig.client.post(path, data=form, headers={"User-Agent": UA},
                                   allow_redirects=False)  # fmt: skip
    return answer.status, await answer.text()


async def test_no_confirmation_without_consent_and_each_one_records_the_notice(
    rig: Rig, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, shop: Shop
) -> None:
    order_id = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01")
    page = await (await rig.client.get(f"/o/{order_token(rig.settings, order_id)}")).text()
    assert 'id="privacy-notice"' in page and 'name="consent"' in page
    assert "bên kiểm soát dữ liệu" in page and "Quyền của bạn" in page and "90 ngày" in page
    status, html = await _confirm(rig, order_id)  # the box left unticked
    assert status == 400 and 'id="err-consent"' in html
    assert await db.fetchval("SELECT status FROM orders WHERE id = $1", order_id) != "confirmed"
    assert await db.fetchval("SELECT count(*) FROM privacy_consents") == 0
    status, _ = await _confirm(rig, order_id, consent="yes")
    assert status == 303
    row = await db.fetchrow(
        "SELECT c.*, n.body, n.sha256 FROM privacy_consents c "
        "JOIN privacy_notices n ON n.id = c.notice_id WHERE c.order_id = $1", order_id,
    )  # fmt: skip
    assert row["source"] == "buyer_page" and row["actor"] == "buyer" and row["user_agent"] == UA
    assert "HTX Nông sản Thái Bình" in row["body"] and "không được bán" in row["body"]
    assert row["at"] <= datetime.now(UTC)
    assert await db.fetchval("SELECT status FROM orders WHERE id = $1", order_id) == "confirmed"


async def test_a_reply_confirms_only_a_buyer_who_agreed_before(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, shop: Shop
) -> None:
    order_id = await order_from_comments(db, pool, arq_pool, shop, "minh", "chốt A01")
    await db.execute(
        "UPDATE buyers SET full_name = 'Trần Văn Minh', province_code = '1', ward_code = '70', "
        "address_line = '12 Hàng Bông', phone = '0987654321' "
        "WHERE id = (SELECT buyer_id FROM orders WHERE id = $1)", order_id,
    )  # fmt: skip
    outcome = await confirm_by_reply(pool, order_id, "ok shop")
    assert not outcome.confirmed and outcome.missing == ("consent",)
    assert await db.fetchval("SELECT status FROM orders WHERE id = $1", order_id) != "confirmed"


async def _director(rig: Rig, db: asyncpg.Connection, shop: Shop) -> tuple[int, str]:
    staff_id, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    return staff_id, await log_in(rig.client, login)


async def test_phone_confirmation_needs_the_buyers_consent_too(
    rig: Rig, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, shop: Shop
) -> None:
    order_id = await order_from_comments(db, pool, arq_pool, shop, "hoa", "chốt A01")
    staff_id, csrf = await _director(rig, db, shop)
    page = await (await rig.client.get(f"/don/{order_id}")).text()
    assert 'id="phone-notice"' in page and "đọc cho khách" in page
    form = {**DELIVERY, "csrf": csrf, "action": "confirm"}
    refused = await rig.client.post(f"/don/{order_id}/xac-nhan", data=form)
    assert refused.status == 422 and 'id="err-consent"' in await refused.text()
    done = await rig.client.post(f"/don/{order_id}/xac-nhan", data={**form, "consent": "yes"})
    assert done.status == 200
    row = await db.fetchrow("SELECT source, actor FROM privacy_consents WHERE order_id = $1",
                            order_id)  # fmt: skip
    assert dict(row) == {"source": "phone_call", "actor": f"staff:{staff_id}"}


async def test_buyer_sees_downloads_asks_erasure_and_staff_complete_it_by_the_deadline(
    rig: Rig, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, shop: Shop
) -> None:
    order_id = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01 sdt 0912345678")
    other = await order_from_comments(db, pool, arq_pool, shop, "minh", "chốt A01")
    assert (await _confirm(rig, order_id, consent="yes"))[0] == 303
    base = f"/o/{order_token(rig.settings, order_id)}/du-lieu"
    page = await (await rig.client.get(base)).text()
    assert "Nguyễn Thị Lan" in page and "0912345678" in page and 'id="erase-form"' in page
    download = await rig.client.get(base + ".json")
    assert download.status == 200 and "attachment" in download.headers["Content-Disposition"]
    data = orjson.loads(await download.read())
    assert [o["id"] for o in data["orders"]] == [order_id] and data["consents"]
    assert "chốt A01 sdt 0912345678" in [c["body"] for c in data["comments"]]
    # A forged form (no proof) asks nothing; the real one opens one request, asked twice or not.
    forged = await rig.client.post(base + "/xoa", data={"proof": "x"}, allow_redirects=False)
    assert forged.status == 400
    for _ in range(2):
        asked = await rig.client.post(base + "/xoa", data={"proof": hidden(page, "proof")},
                                      allow_redirects=False)  # fmt: skip
        assert asked.status == 303
    request = await db.fetchrow("SELECT * FROM privacy_requests WHERE kind = 'erase'")
    assert request["status"] == "open" and request["source"] == "buyer_link"
    assert timedelta(days=14.9) < request["due_at"] - request["at"] <= timedelta(days=15)
    assert await db.fetchval("SELECT count(*) FROM privacy_requests WHERE kind = 'erase'") == 1

    await _director(rig, db, shop)
    staff_page = await (await rig.client.get("/cai-dat/du-lieu-ca-nhan")).text()
    assert "Còn 14 ngày" in staff_page and f'id="request-{request["id"]}"' in staff_page
    csrf = hidden(staff_page)
    erase = f"/cai-dat/du-lieu-ca-nhan/yeu-cau/{request['id']}/xoa"
    busy = await rig.client.post(erase, data={"csrf": csrf})  # the order is still open
    assert busy.status == 409 and "còn đơn đang xử lý" in await busy.text()
    await db.execute("UPDATE orders SET status = 'delivered' WHERE id = $1", order_id)
    done = await rig.client.post(erase, data={"csrf": csrf}, allow_redirects=False)
    assert done.status == 303
    order = await db.fetchrow("SELECT * FROM orders WHERE id = $1", order_id)
    assert order["recipient_name"] is None and order["recipient_phone"] is None
    assert order["total_vnd"] > 0  # kept for the tax books
    assert await db.fetchval("SELECT status FROM privacy_requests WHERE id = $1",
                             request["id"]) == "done"  # fmt: skip
    assert await db.fetchval("SELECT count(*) FROM comments WHERE body LIKE '%0912345678%'") == 0
    # The other buyer is untouched; the buyer's own page now shows the request done.
    assert await db.fetchval("SELECT count(*) FROM comments WHERE body = 'chốt A01'") == 1
    assert other != order_id
    after = await (await rig.client.get(base)).text()
    assert "Nguyễn Thị Lan" not in after and "Đã xong" in after


async def test_staff_refuse_a_request_with_a_reason_the_buyer_reads(
    rig: Rig, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, shop: Shop
) -> None:
    order_id = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01")
    base = f"/o/{order_token(rig.settings, order_id)}/du-lieu"
    page = await (await rig.client.get(base)).text()
    await rig.client.post(base + "/xoa", data={"proof": hidden(page, "proof")})
    request_id = await db.fetchval("SELECT id FROM privacy_requests")
    _, csrf = await _director(rig, db, shop)
    url = f"/cai-dat/du-lieu-ca-nhan/yeu-cau/{request_id}/tu-choi"
    assert (await rig.client.post(url, data={"csrf": csrf, "reason": ""})).status == 422
    reason = "Đơn đang tranh chấp với đơn vị vận chuyển, cần giữ đến khi xong"
    await rig.client.post(url, data={"csrf": csrf, "reason": reason})
    rig.client.session.cookie_jar.clear()
    assert reason in await (await rig.client.get(base)).text()


async def test_every_staff_read_of_a_phone_or_address_is_logged(
    rig: Rig, db: asyncpg.Connection, shop: Shop
) -> None:
    order_id = await add_order(db, shop, status="confirmed", phone="0912345678")
    await db.execute("UPDATE orders SET recipient_phone = '0912345678', address_line = 'Số 5' "
                     "WHERE id = $1", order_id)  # fmt: skip
    _, packer = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    await log_in(rig.client, packer)
    assert (await rig.client.get(f"/don/{order_id}")).status == 200
    assert (await rig.client.get("/cai-dat/du-lieu-ca-nhan/nhat-ky")).status == 403
    rows = await db.fetch("SELECT fields, place FROM data_access_log WHERE order_id = $1", order_id)
    assert [(r["fields"], r["place"]) for r in rows] == [(["phone", "address"], "order_page")]
    await db.execute("UPDATE orders SET status = 'packing' WHERE id = $1", order_id)
    assert (await rig.client.get(f"/dong-goi/{order_id}/phieu.pdf")).status == 200
    places = await db.fetch("SELECT place FROM data_access_log ORDER BY id")
    assert [p["place"] for p in places] == ["order_page", "packing_slip"]
    await _director(rig, db, shop)
    log_page = await (await rig.client.get("/cai-dat/du-lieu-ca-nhan/nhat-ky")).text()
    assert f"Chị {packer}" in log_page and "Phiếu đóng gói" in log_page
    assert "0912345678" not in log_page  # the log names who read, never what
    other = await add_order(db, shop, status="confirmed")
    await rig.client.get(f"/don/{other}")
    one = await (await rig.client.get(f"/cai-dat/du-lieu-ca-nhan/nhat-ky?don={order_id}")).text()
    assert one.count("<li>") == 2  # this order's two reads, not the director's read of the other
    assert (await rig.client.get("/cai-dat/du-lieu-ca-nhan/nhat-ky?don=x")).status == 200


async def test_breach_log_runs_the_72_hour_clock(
    rig: Rig, db: asyncpg.Connection, shop: Shop
) -> None:
    _, csrf = await _director(rig, db, shop)
    now = datetime.now(VIETNAM)
    for hours, text in ((70, "Lộ danh sách đơn qua Zalo nhóm"), (80, "Mất điện thoại của kho")):
        at = (now - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")
        form = {"csrf": csrf, "detected_at": at, "description": text, "data_kinds": "SĐT, địa chỉ",
                "buyers_affected": "12", "measures": "Đổi mật khẩu"}  # fmt: skip
        answer = await rig.client.post("/cai-dat/du-lieu-ca-nhan/su-co", data=form,
                                       allow_redirects=False)  # fmt: skip
        assert answer.status == 303
    future = (now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    form = {"csrf": csrf, "detected_at": future, "description": "x y z"}
    refused = await rig.client.post("/cai-dat/du-lieu-ca-nhan/su-co", data=form)
    assert refused.status == 422
    page = await (await rig.client.get("/cai-dat/du-lieu-ca-nhan")).text()
    assert re.search(r"Còn [12] giờ để báo cáo", page) and "Quá hạn báo cáo" in page
    first = await db.fetchval("SELECT id FROM data_breaches ORDER BY detected_at DESC LIMIT 1")
    step = {"csrf": csrf, "step": "reported", "measures": "Đã gửi A05"}
    await rig.client.post(f"/cai-dat/du-lieu-ca-nhan/su-co/{first}", data=step)
    page = await (await rig.client.get("/cai-dat/du-lieu-ca-nhan")).text()
    assert "(đúng hạn)" in page and "Đã gửi A05" in page


async def test_the_director_prints_the_register_of_processing(
    rig: Rig, db: asyncpg.Connection, shop: Shop
) -> None:
    _, csrf = await _director(rig, db, shop)
    await rig.client.post(
        "/cai-dat/du-lieu-ca-nhan/luu-tru",
        data={
            "csrf": csrf,
            "comments": "30",
            "deliveries": "7",
            "addresses": "60",
            "messages": "45",
        },
    )
    answer = await rig.client.get("/cai-dat/du-lieu-ca-nhan/so-dang-ky.pdf")
    assert answer.status == 200 and answer.content_type == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(await answer.read())).pages)
    assert "HTX Nông sản Thái Bình" in text and "91/2025/QH15" in text
    assert "60 ngày" in text and "Không bán" in text and "72 giờ" in text
    bad = await rig.client.post(
        "/cai-dat/du-lieu-ca-nhan/luu-tru",
        data={
            "csrf": csrf,
            "comments": "0",
            "deliveries": "7",
            "addresses": "60",
            "messages": "45",
        },
    )
    assert bad.status == 422


async def test_bom_hang_risk_stays_inside_its_cooperative(
    db: asyncpg.Connection, shop: Shop
) -> None:
    """The same phone refused parcels at one cooperative: only that one asks it to prepay."""
    from tests.support.factories import seed_shop

    other = await seed_shop(db, slug="htx-nghe-an")
    orders = []
    for s in (shop, other):
        await db.execute("UPDATE tenants SET settings = settings || '{\"prepay_at_risk\": "
                         "\"medium\"}'::jsonb WHERE id = $1", s.tenant_id)  # fmt: skip
        orders.append(await add_order(db, s, phone="0912345678"))
    await db.execute("UPDATE buyers SET returned_count = 4 WHERE tenant_id = $1", shop.tenant_id)
    prepay = [await db.fetchval("SELECT chotdon_must_prepay($1)", o) for o in orders]
    assert prepay == [True, False]


async def test_the_data_page_opens_only_with_a_valid_link(
    rig: Rig, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, shop: Shop
) -> None:
    order_id = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01")
    token = order_token(rig.settings, order_id)
    flipped = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]
    for suffix in ("/du-lieu", "/du-lieu.json"):
        assert (await rig.client.get(f"/o/{flipped}{suffix}")).status == 404
    expired = sign_order_token(link_key(rig.settings), order_id, 1_000)
    answer = await rig.client.get(f"/o/{expired}/du-lieu.json")
    assert answer.status == 410 and "đã hết hạn" in await answer.text()
    asked = await rig.client.post(f"/o/{expired}/du-lieu/xoa", data={"proof": "x"})
    assert asked.status == 410
    assert await db.fetchval("SELECT count(*) FROM privacy_requests") == 0
    page = await rig.client.get(f"/o/{token}/du-lieu")
    assert (
        page.headers["Referrer-Policy"] == "no-referrer"
        and "no-store" in page.headers["Cache-Control"]
    )
