"""The set-up a director and a host do in the browser: the first page of an empty installation
creates the cooperative and its director; the settings pages save the bank account, the payment
provider's secret and the couriers' accounts, sealed and never shown again; the host creates
cooperatives and sees their health, never their orders or buyers."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from aggregator.settings import Settings
from aggregator.shipping.accounts import account_for
from aggregator.staff.host import add_host
from aggregator.web.app import create_app
from schema.enums import Courier, StaffRole
from tests.support.factories import seed_shop
from tests.support.staff import PASSWORD, add_order, add_staff, hidden, log_in

Client = TestClient[Any, Any]
FORM = {
    "name": "HTX Mật ong Tam Đảo", "province": "Phú Thọ", "tax_code": "2500123456",
    "street": "Thôn Đồng Bùa", "ward": "Xã Tam Đảo", "phone": "0912 345 678",
    "director_name": "Nguyễn Văn Hùng", "login": "giamdoc.tamdao", "password": "ong-mat-2026!",
    "password2": "ong-mat-2026!",
}  # fmt: skip


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    own = settings.model_copy(update={"app_secret": SecretStr("app-secret-for-tests-0123456789")})
    async with TestClient(TestServer(create_app(own))) as client:
        yield client


async def _post_form(client: Client, path: str, form: dict[str, str]) -> Any:
    page = await client.get(path)
    assert page.status == 200, await page.text()
    return await client.post(path, data={**form, "csrf": hidden(await page.text())},
                             allow_redirects=False)  # fmt: skip


async def test_the_first_page_of_an_empty_installation_sets_it_up(
    client: Client, db: asyncpg.Connection
) -> None:
    home = await client.get("/", allow_redirects=False)
    assert (home.status, home.headers["Location"]) == (303, "/thiet-lap")
    bad = await _post_form(client, "/thiet-lap", {**FORM, "tax_code": "12", "password2": "x"})
    text = await bad.text()
    assert bad.status == 422
    assert "Mã số thuế gồm 10 chữ số" in text and "không giống nhau" in text
    assert "ong-mat-2026!" not in text  # a password is never sent back
    assert await db.fetchval("SELECT count(*) FROM tenants") == 0
    done = await _post_form(client, "/thiet-lap", FORM)
    assert (done.status, done.headers["Location"]) == (303, "/cai-dat?done=created")
    settings_page = await client.get("/cai-dat?done=created")
    assert settings_page.status == 200
    assert "Đã tạo hợp tác xã" in await settings_page.text()
    row = await db.fetchrow("SELECT slug, name, province, tax_code, settings FROM tenants")
    assert (row["slug"], row["tax_code"]) == ("htx-mat-ong-tam-dao", "2500123456")
    assert row["settings"]["sender"]["phone"] == "0912345678"
    director = await db.fetchrow("SELECT role, display_name FROM staff")
    assert (director["role"], director["display_name"]) == ("director", "Nguyễn Văn Hùng")
    assert (await client.get("/thiet-lap")).status == 404  # gone once a cooperative exists
    assert (await client.post("/thiet-lap", data=FORM)).status == 404


async def test_settings_save_bank_and_couriers_and_never_show_a_secret(
    client: Client, db: asyncpg.Connection, settings: Settings
) -> None:
    shop = await seed_shop(db)
    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    csrf = await log_in(client, login)
    index = await (await client.get("/cai-dat")).text()
    for link in ("/cai-dat/htx", "/cai-dat/ngan-hang", "/cai-dat/van-chuyen",
                 "/cai-dat/thanh-toan", "/cai-dat/tin-nhan", "/cai-dat/phi-giao-hang"):  # fmt: skip
        assert f'href="{link}"' in index
        assert (await client.get(link)).status == 200, link
    saved = await client.post("/cai-dat/ngan-hang", data={
        "csrf": csrf, "bank_bin": "970405", "account_no": "1500 2055 12345",
        "account_name": "Hợp tác xã Tam Đảo"}, allow_redirects=False)  # fmt: skip
    assert saved.status == 303
    vietqr = await db.fetchval("SELECT settings->'vietqr' FROM tenants WHERE id = $1",
                               shop.tenant_id)  # fmt: skip
    assert vietqr == {"bank_bin": "970405", "account_no": "150020551234 5".replace(" ", ""),
                      "account_name": "HOP TAC XA TAM DAO"}  # fmt: skip
    secret = "sepay-api-key-TAMDAO-0123456789"
    await client.post("/cai-dat/ngan-hang/bao-tien",
                      data={"csrf": csrf, "provider": "sepay", "secret": secret})  # fmt: skip
    token = "ghn-token-of-tam-dao-abcdef"
    await client.post(
        "/cai-dat/van-chuyen/ghn",
        data={"csrf": csrf, "token": token, "shop_id": "4410", "webhook_secret": "ghn-hook-tamdao"},
    )
    await client.post("/cai-dat/van-chuyen", data={"csrf": csrf, "courier": "ghtk"})
    bank_page = await (await client.get("/cai-dat/ngan-hang")).text()
    couriers_page = await (await client.get("/cai-dat/van-chuyen")).text()
    assert "SePay" in bank_page and secret not in bank_page
    assert "4410" in couriers_page and token not in couriers_page
    assert "ghn-hook-tamdao" not in couriers_page
    assert re.search(r"/webhooks/ghn/htx/htx-thai-binh-\d+", couriers_page)
    own = settings.model_copy(update={"app_secret": SecretStr("app-secret-for-tests-0123456789")})
    opened = await account_for(db, own, shop.tenant_id, Courier.GHN)
    assert opened is not None and opened.token == token
    courier = await db.fetchval("SELECT settings->>'courier' FROM tenants WHERE id = $1",
                                shop.tenant_id)  # fmt: skip
    assert courier == "ghtk"
    connection = await db.fetchval("SELECT id FROM bank_connections WHERE tenant_id = $1",
                                   shop.tenant_id)  # fmt: skip
    off = await client.post(f"/cai-dat/ngan-hang/bao-tien/{connection}/ngat", data={"csrf": csrf})
    assert "Đã ngắt dịch vụ báo tiền" in await off.text()
    status = await db.fetchval("SELECT status FROM bank_connections WHERE id = $1", connection)
    assert status == "disconnected"
    bad = await client.post(
        "/cai-dat/ngan-hang",
        data={"csrf": csrf, "bank_bin": "12", "account_no": "", "account_name": ""},
    )
    assert bad.status == 422 and "Hãy chọn ngân hàng" in await bad.text()


async def test_templates_and_fee_table_are_checked_and_saved(
    client: Client, db: asyncpg.Connection
) -> None:
    shop = await seed_shop(db)
    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    csrf = await log_in(client, login)
    bad = await client.post(
        "/cai-dat/tin-nhan", data={"csrf": csrf, "greeting": "Chào {khach}", "closing": ""}
    )
    assert bad.status == 422 and "{khach}" in await bad.text()
    await client.post(
        "/cai-dat/tin-nhan",
        data={"csrf": csrf, "greeting": "{htx} kính chào {ten}, đơn {madon}:", "closing": ""},
    )
    await client.post("/cai-dat/phi-giao-hang", data={"csrf": csrf, "fee-25": "25.000"})
    stored = await db.fetchval("SELECT settings FROM tenants WHERE id = $1", shop.tenant_id)
    assert stored["message_templates"] == {"greeting": "{htx} kính chào {ten}, đơn {madon}:"}
    assert stored["shipping_fees"] == {"provinces": {"25": 25000}}


async def test_staff_other_than_the_director_cannot_open_settings(
    client: Client, db: asyncpg.Connection
) -> None:
    shop = await seed_shop(db)
    _, login = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    await log_in(client, login)
    for path in ("/cai-dat", "/cai-dat/van-chuyen", "/cai-dat/ngan-hang"):
        assert (await client.get(path)).status == 403


async def test_the_host_creates_cooperatives_and_sees_health_not_orders(
    client: Client, db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    shop = await seed_shop(db)
    await add_order(db, shop, name="Trần Thị Bưởi", phone="0978555666", comment="chốt A01")
    order_no = await db.fetchval("SELECT order_no FROM orders WHERE tenant_id = $1",
                                 shop.tenant_id)  # fmt: skip
    _, staff_login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    await add_host(pool, "vanhanh", "Người vận hành", PASSWORD)
    assert (await client.get("/may-chu", allow_redirects=False)).headers["Location"] == (
        "/may-chu/dang-nhap"
    )
    await log_in(client, staff_login)  # a director's session is no host session
    assert (await client.get("/may-chu", allow_redirects=False)).status == 303
    client.session.cookie_jar.clear()
    form = await client.get("/may-chu/dang-nhap")
    wrong = await client.post(
        "/may-chu/dang-nhap",
        data={"csrf": hidden(await form.text()), "login": "vanhanh", "password": "sai-mat-khau-1"},
    )
    assert wrong.status == 401
    form = await client.get("/may-chu/dang-nhap")
    home = await client.post("/may-chu/dang-nhap", data={
        "csrf": hidden(await form.text()), "login": "vanhanh", "password": PASSWORD})  # fmt: skip
    text = await home.text()
    assert home.status == 200 and "HTX Nông sản Thái Bình" in text
    assert "việc đang chờ" in text  # the installation's job queue
    assert "Trần Thị Bưởi" not in text and "0978555666" not in text and order_no not in text
    assert "1 đơn chờ đóng gói" not in text  # awaiting confirmation is not packing work
    assert (await client.get("/don", allow_redirects=False)).status == 303  # no staff pages
    created = await _post_form(client, "/may-chu/htx-moi", {**FORM, "slug": "htx-tam-dao"})
    assert created.status == 303, await created.text()
    home = await (await client.get("/may-chu")).text()
    assert "HTX Mật ong Tam Đảo" in home
    assert await db.fetchval("SELECT count(*) FROM tenants WHERE slug = 'htx-tam-dao'") == 1


async def test_with_a_setup_token_the_first_page_asks_for_it(
    settings: Settings, db: asyncpg.Connection
) -> None:
    own = settings.model_copy(update={
        "app_secret": SecretStr("app-secret-for-tests-0123456789"),
        "setup_token": SecretStr("ma-thiet-lap-7f3a"),
    })  # fmt: skip
    async with TestClient(TestServer(create_app(own))) as client:
        page = await client.get("/thiet-lap")
        assert "Mã thiết lập" in await page.text()
        refused = await _post_form(client, "/thiet-lap", {**FORM, "setup_token": "doan-bua"})
        assert refused.status == 403 and "Mã thiết lập không đúng" in await refused.text()
        assert "doan-bua" not in await refused.text()
        assert await db.fetchval("SELECT count(*) FROM tenants") == 0
        done = await _post_form(client, "/thiet-lap", {**FORM, "setup_token": "ma-thiet-lap-7f3a"})
        assert done.status == 303
