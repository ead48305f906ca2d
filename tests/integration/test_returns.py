"""Returns and refunds against real Postgres and the couriers' simulator: a buyer opens a return
from the order link (lines, cause, phone photo, bank account); staff accept it and the GHN pickup
is booked from the buyer's address; on arrival the goods go back to the live's stock; the refund
is owed with the buyer's VietQR, then settled; the report subtracts it; every step is in the
order's event log and the order stays delivered. Bad input, a closed window, other cooperatives
and packers are refused with nothing stored."""

from __future__ import annotations

import io
import re
import time
from collections.abc import AsyncIterator
from datetime import datetime

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from arq.connections import ArqRedis
from PIL import Image

from aggregator.confirmation.links import order_token, return_link
from aggregator.confirmation.summary import VIETNAM
from aggregator.runtime.jobs import SEND_ORDER_MESSAGE
from aggregator.settings import Settings
from aggregator.web.app import create_app
from connectors.simulators.courier_webhooks import Scenario
from connectors.simulators.couriers import CourierSimulator
from schema.enums import Courier, StaffRole
from schema.queries import query
from tests.support.confirmation import confirmation_settings
from tests.support.factories import Shop, seed_shop
from tests.support.invariants import reserved_matches_held_lines
from tests.support.returns import delivered_order, phone_photo
from tests.support.shipping import SENDER, courier_settings, point_webhooks, running_simulator
from tests.support.staff import add_order, add_staff, hidden, log_in

Client = TestClient  # type: ignore[type-arg]


@pytest.fixture
async def sim() -> AsyncIterator[CourierSimulator]:
    async with running_simulator() as simulator:
        yield simulator


@pytest.fixture
def own(settings: Settings, sim: CourierSimulator) -> Settings:
    return courier_settings(confirmation_settings(settings), sim)


@pytest.fixture
async def client(own: Settings) -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_app(own))) as test_client:
        yield test_client


async def _shop(db: asyncpg.Connection) -> Shop:
    shop = await seed_shop(db, stock={"A01": 10})
    await db.execute(
        "UPDATE tenants SET settings = jsonb_build_object('sender', $2::jsonb) WHERE id = $1",
        shop.tenant_id, SENDER,
    )  # fmt: skip
    return shop


def _form(proof: str, line_id: int, **fields: str) -> aiohttp.FormData:
    data = aiohttp.FormData()
    values = {"proof": proof, f"back_{line_id}": "2", "cause": "damaged",
              "note": "Túi gạo bị rách khi nhận", "bank": "970436", "account_no": "0011 0012 34567",
              "account_name": "Nguyễn Thị Lan", **fields}  # fmt: skip
    for name, value in values.items():
        data.add_field(name, value)
    return data


async def _open_return(client: Client, db: asyncpg.Connection, own: Settings, order_id: int) -> int:
    path = f"/o/{order_token(own, order_id)}"
    order_page = await client.get(path)
    assert 'id="return-link"' in await order_page.text()
    page = await client.get(f"{path}/doi-tra")
    assert page.status == 200
    html = await page.text()
    line_id = await db.fetchval("SELECT id FROM order_items WHERE order_id = $1", order_id)
    data = _form(hidden(html, "proof"), line_id)
    data.add_field("photo", phone_photo(), filename="IMG_0001.jpg", content_type="image/jpeg")
    sent = await client.post(f"{path}/doi-tra", data=data, allow_redirects=False)
    assert sent.status == 303, await sent.text()
    shown = await (await client.get(sent.headers["Location"])).text()
    assert "Đã gửi yêu cầu trả hàng" in shown and "Chờ shop xem xét" in shown
    return int(await db.fetchval("SELECT id FROM returns WHERE order_id = $1", order_id))


async def _post(client: Client, path: str, **fields: str) -> aiohttp.ClientResponse:
    page = await client.get(path.rsplit("/", 1)[0])
    form = {"csrf": hidden(await page.text()), **fields}
    return await client.post(path, data=form, allow_redirects=False)


async def test_a_return_runs_from_the_buyer_page_to_refund_and_restock(
    client: Client, db: asyncpg.Connection, own: Settings, sim: CourierSimulator
) -> None:
    shop = await _shop(db)
    order_id = await delivered_order(db, shop)
    return_id = await _open_return(client, db, own, order_id)
    row = await db.fetchrow("SELECT * FROM returns WHERE id = $1", return_id)
    assert (row["status"], row["cause"], row["refund_account_no"], row["refund_account_name"]) == (
        "requested", "damaged", "0011001234567", "NGUYỄN THỊ LAN")  # fmt: skip
    photo = await db.fetchval("SELECT data FROM return_photos WHERE return_id = $1", return_id)
    stored = Image.open(io.BytesIO(photo))
    assert max(stored.size) <= 1200 and not stored.getexif()  # re-encoded, no EXIF kept

    _, director = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    await log_in(client, director)
    listing = await (await client.get("/doi-tra")).text()
    assert f'id="return-{return_id}"' in listing and "Hàng bị dập, vỡ khi giao" in listing
    detail = await (await client.get(f"/doi-tra/{return_id}")).text()
    photo_url = re.search(r'<img src="(/doi-tra/\d+/anh/\d+)"', detail)
    assert photo_url and (await client.get(photo_url.group(1))).content_type == "image/jpeg"

    accepted = await _post(client, f"/doi-tra/{return_id}/dong-y", send="courier_pickup")
    assert accepted.status == 303 and accepted.headers["Location"].endswith("done=booked")
    order_no = await db.fetchval("SELECT order_no FROM orders WHERE id = $1", order_id)
    parcel = sim.find(Courier.GHN, f"{order_no}-TH")
    assert parcel is not None and parcel.cod_vnd == 0
    assert (parcel.body["from_name"], parcel.body["to_name"]) == ("Nguyễn Thị Lan", SENDER["name"])
    assert parcel.body["payment_type_id"] == 1  # the shop pays the return's fee
    assert await db.fetchval("SELECT pickup_tracking FROM returns WHERE id = $1", return_id) == (
        parcel.tracking_code)  # fmt: skip

    point_webhooks(sim, str(client.make_url("")).rstrip("/"))  # the return parcel's journey
    assert set(await sim.walk(Courier.GHN, f"{order_no}-TH", Scenario.DELIVER)) == {200}
    assert await db.fetchval("SELECT pickup_status FROM returns WHERE id = $1", return_id) == (
        "delivered")  # fmt: skip
    shown = await (await client.get(f"/doi-tra/{return_id}")).text()
    assert 'id="pickup-status"' in shown and "Đã giao" in shown
    assert await db.fetchval("SELECT status FROM orders WHERE id = $1", order_id) == "delivered"
    buyer_view = await (await client.get(f"/o/{order_token(own, order_id)}/doi-tra")).text()
    assert parcel.tracking_code in buyer_view and "đến lấy hàng" in buyer_view

    item = await db.fetchval("SELECT id FROM return_items WHERE return_id = $1", return_id)
    received = await _post(client, f"/doi-tra/{return_id}/da-nhan", **{f"restock_{item}": "1"})
    assert received.status == 303
    stock = await db.fetchval("SELECT quantity FROM live_stock WHERE live_id = $1", shop.live)
    assert stock == 12  # 10 + the 2 sent back

    refund = await _post(client, f"/doi-tra/{return_id}/hoan-tien", amount="360.000",
                         method="transfer")  # fmt: skip
    assert refund.status == 303
    owed = await (await client.get(f"/doi-tra/{return_id}")).text()
    assert 'id="refund-qr"' in owed and "chưa chuyển" in owed
    assert await db.fetchval("SELECT status FROM refunds WHERE order_id = $1", order_id) == "owed"
    settled = await _post(client, f"/doi-tra/{return_id}/da-chuyen")
    assert settled.status == 303
    assert await db.fetchval("SELECT status FROM returns WHERE id = $1", return_id) == "refunded"
    assert await db.fetchval("SELECT status FROM orders WHERE id = $1", order_id) == "delivered"
    news = await db.fetch(
        "SELECT kind, body FROM outbound_messages WHERE order_id = $1 ORDER BY id", order_id
    )
    assert [n["kind"] for n in news] == ["return_accepted", "return_refunded"]
    assert "đến lấy hàng" in news[0]["body"] and "360.000" in news[1]["body"]
    kinds = await db.fetch(
        "SELECT kind FROM order_events WHERE order_id = $1 "
        "AND kind NOT IN ('status', 'return_parcel') ORDER BY id",
        order_id,
    )
    assert [k["kind"] for k in kinds] == [
        "return_requested", "return_accepted", "return_received", "refund_recorded",
        "refund_settled", "return_refunded",
    ]  # fmt: skip

    today = datetime.now(VIETNAM).date().isoformat()
    csv = await (await client.get("/bao-cao/ngay.csv", params={"tu": today, "den": today})).text()
    total = next(line for line in csv.splitlines() if line.startswith("Tổng")).split(",")
    assert total[-2:] == ["360000", str(int(total[5]) - 360000)]
    history = await (await client.get(f"/don/{order_id}")).text()
    assert "Khách yêu cầu trả hàng" in history and "Đã chuyển tiền hoàn" in history
    assert f"/doi-tra/{return_id}" in history  # the order page links to its return


async def test_bad_input_and_a_closed_window_store_nothing(
    client: Client, db: asyncpg.Connection, own: Settings
) -> None:
    shop = await _shop(db)
    order_id = await delivered_order(db, shop)
    path = f"/o/{order_token(own, order_id)}/doi-tra"
    html = await (await client.get(path)).text()
    line_id = await db.fetchval("SELECT id FROM order_items WHERE order_id = $1", order_id)
    data = _form(hidden(html, "proof"), line_id, cause="", account_no="12", bank="999999")
    data.add_field("photo", b"not an image", filename="x.jpg", content_type="image/jpeg")
    answer = await client.post(path, data=data)
    assert answer.status == 422
    text = await answer.text()
    for field in ("err-cause", "err-account_no", "err-bank", "err-photo"):
        assert f'id="{field}"' in text
    forged = await client.post(path, data=_form("forged", line_id))
    assert forged.status == 400
    assert await db.fetchval("SELECT count(*) FROM returns") == 0

    tiktok = await delivered_order(db, shop)
    await db.execute("UPDATE orders SET source = 'platform' WHERE id = $1", tiktok)
    platform = await (await client.get(f"/o/{order_token(own, tiktok)}/doi-tra")).text()
    assert "trong ứng dụng của sàn" in platform and 'id="return-form"' not in platform
    old = await delivered_order(db, shop, days_ago=8)  # the default window is 7 days
    closed = await (await client.get(f"/o/{order_token(own, old)}/doi-tra")).text()
    assert 'id="closed"' in closed and 'id="return-form"' not in closed
    _, director = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    await log_in(client, director)
    saved = await _post(client, "/doi-tra/thoi-han", days="30")
    assert saved.status == 303
    client.session.cookie_jar.clear()
    reopened = await (await client.get(f"/o/{order_token(own, old)}/doi-tra")).text()
    assert 'id="return-form"' in reopened


async def test_staff_refuse_with_a_reason_and_other_cooperatives_see_nothing(
    client: Client, db: asyncpg.Connection, own: Settings
) -> None:
    shop = await _shop(db)
    order_id = await delivered_order(db, shop)
    return_id = await _open_return(client, db, own, order_id)
    _, packer = await add_staff(db, shop.tenant_id, StaffRole.PACKER)
    await log_in(client, packer)
    assert (await client.get(f"/doi-tra/{return_id}")).status == 403
    other = await seed_shop(db, slug="htx-khac")
    _, stranger = await add_staff(db, other.tenant_id, StaffRole.DIRECTOR)
    await log_in(client, stranger)
    assert (await client.get(f"/doi-tra/{return_id}")).status == 404
    assert (await client.get(f"/doi-tra/{return_id}/anh/1")).status == 404
    _, staff = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    await log_in(client, staff)
    assert (await client.get(f"/doi-tra/{return_id}")).status == 200
    reads = await db.fetch("SELECT staff_id, place FROM data_access_log WHERE order_id = $1",
                           order_id)  # fmt: skip
    assert [r["place"] for r in reads] == ["return_page"]  # the page shows phone and address
    no_reason = await _post(client, f"/doi-tra/{return_id}/tu-choi", reason="  ")
    assert no_reason.status == 422
    assert await db.fetchval("SELECT status FROM returns WHERE id = $1", return_id) == "requested"
    refused = await _post(client, f"/doi-tra/{return_id}/tu-choi", reason="Quá hạn bảo quản")
    assert refused.status == 303
    again = await _post(client, f"/doi-tra/{return_id}/dong-y", send="buyer_sends")
    assert again.status == 409  # a refused return stays refused
    client.session.cookie_jar.clear()
    buyer = await (await client.get(f"/o/{order_token(own, order_id)}/doi-tra")).text()
    assert "Shop từ chối" in buyer and "Quá hạn bảo quản" in buyer
    news = await db.fetch(
        "SELECT kind, body, status FROM outbound_messages WHERE order_id = $1", order_id
    )
    assert [(n["kind"], n["status"]) for n in news] == [("return_refused", "pending")]
    assert "Quá hạn bảo quản" in news[0]["body"]  # the news job hands it to Messenger
    pending = await db.fetch(query("pending_shipment_news"), 10)
    assert [p["kind"] for p in pending] == ["return_refused"]  # what the news job picks up


async def test_spoiled_food_is_written_off_and_cod_not_collected_settles_at_once(
    client: Client, db: asyncpg.Connection, own: Settings
) -> None:
    shop = await _shop(db)
    order_id = await delivered_order(db, shop)
    return_id = await _open_return(client, db, own, order_id)
    _, director = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    await log_in(client, director)
    accepted = await _post(client, f"/doi-tra/{return_id}/dong-y", send="no_return")
    assert accepted.status == 303
    assert await db.fetchval("SELECT status FROM returns WHERE id = $1", return_id) == "received"
    assert await db.fetchval("SELECT outcome FROM return_items") == "written_off"
    assert await db.fetchval("SELECT quantity FROM live_stock WHERE live_id = $1", shop.live) == 10
    too_much = await _post(client, f"/doi-tra/{return_id}/hoan-tien", amount="999999",
                           method="cod_not_collected")  # fmt: skip
    assert too_much.status == 409
    done = await _post(client, f"/doi-tra/{return_id}/hoan-tien", amount="180000",
                       method="cod_not_collected")  # fmt: skip
    assert done.status == 303
    refund = await db.fetchrow(
        "SELECT status, settled_at FROM refunds WHERE order_id = $1", order_id
    )
    assert refund["status"] == "settled" and refund["settled_at"] is not None
    assert await db.fetchval("SELECT status FROM returns WHERE id = $1", return_id) == "refunded"


async def test_the_return_link_sent_on_delivery_outlives_the_order_link(
    client: Client, db: asyncpg.Connection, own: Settings
) -> None:
    """Delivered news carries return_link(): still open after buyer_link_ttl_s (7 days), so a
    window the director lengthens is usable; an order link made as long ago has expired."""
    shop = await _shop(db)
    order_id = await delivered_order(db, shop)
    await db.execute(
        "UPDATE tenants SET settings = settings || '{\"return_window_days\": 30}' WHERE id = $1",
        shop.tenant_id,
    )
    ten_days_ago = time.time() - 10 * 86_400
    link = return_link(own, order_id, now=ten_days_ago)
    assert link.startswith(own.base_url) and link.endswith("/doi-tra")
    page = await client.get(link.removeprefix(own.base_url.rstrip("/")))
    assert page.status == 200 and 'id="return-form"' in await page.text()
    old = await client.get(f"/o/{order_token(own, order_id, now=ten_days_ago)}/doi-tra")
    assert old.status == 410


async def test_goods_back_in_a_running_live_serve_its_waitlist(
    client: Client, db: asyncpg.Connection, own: Settings, arq_pool: ArqRedis
) -> None:
    """The live sold out (2 of 2, held by the delivered order); a buyer waits for 2 more. The 2
    sent back are restocked into the live: the waiting line holds, and that buyer is messaged."""
    shop = await _shop(db)
    await db.execute(
        "UPDATE live_stock SET quantity = 2, reserved = 2 WHERE live_id = $1", shop.live
    )
    order_id = await delivered_order(db, shop)
    waiting = await add_order(db, shop, phone="0987000111")
    await db.execute("UPDATE order_items SET status = 'waitlisted' WHERE order_id = $1", waiting)
    return_id = await _open_return(client, db, own, order_id)
    _, director = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    await log_in(client, director)
    await _post(client, f"/doi-tra/{return_id}/dong-y", send="buyer_sends")
    item = await db.fetchval("SELECT id FROM return_items WHERE return_id = $1", return_id)
    received = await _post(client, f"/doi-tra/{return_id}/da-nhan", **{f"restock_{item}": "1"})
    assert received.status == 303
    assert await db.fetchval("SELECT status FROM order_items WHERE order_id = $1", waiting) == (
        "held")  # fmt: skip
    stock = await db.fetchrow(
        "SELECT quantity, reserved FROM live_stock WHERE live_id = $1", shop.live
    )
    assert (stock["quantity"], stock["reserved"]) == (4, 4)
    assert await reserved_matches_held_lines(db) == []  # the stock invariant holds
    queued = {j.args[0] for j in await arq_pool.queued_jobs() if j.function == SEND_ORDER_MESSAGE}
    assert waiting in queued
