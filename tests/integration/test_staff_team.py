"""The director's staff page (/cai-dat/nhan-vien, issue 20): a login others keep delayed is opened
with one tap, a forgotten password is replaced by one shown once (old sessions end, the old
password stops working), a director's own password and other cooperatives' staff are out of
reach, and only the director opens the page."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from aggregator.settings import Settings
from aggregator.web.app import create_app
from schema.enums import StaffRole
from tests.support.factories import seed_shop
from tests.support.staff import PASSWORD, add_staff, hidden, log_in

Client = TestClient  # type: ignore[type-arg]
WIDE = {"login_tries_per_address": 10_000, "login_tries_per_minute": 10_000,
        "login_first_delay_s": 60, "password_queue": 200}  # fmt: skip


@pytest.fixture
async def two_clients(settings: Settings) -> AsyncIterator[tuple[Client, Client]]:
    own = settings.model_copy(update=WIDE)
    async with (
        TestClient(TestServer(create_app(own))) as director,
        TestClient(TestServer(create_app(own))) as other,
    ):
        yield director, other


async def _try(client: Client, login: str, password: str) -> int:
    page = await client.get("/dang-nhap")
    answer = await client.post(
        "/dang-nhap", data={"csrf": hidden(await page.text()), "login": login,
                            "password": password}, allow_redirects=False,
    )  # fmt: skip
    return answer.status


async def test_the_director_unlocks_a_delayed_packer(
    db: asyncpg.Connection, two_clients: tuple[Client, Client]
) -> None:
    director, attacker = two_clients
    shop = await seed_shop(db)
    _, boss = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR, login="giamdoc")
    packer_id, packer = await add_staff(db, shop.tenant_id, StaffRole.PACKER, login="donggoi")
    for _ in range(7):
        await _try(attacker, packer, "sai-mat-khau")
    assert await _try(attacker, packer, PASSWORD) == 429
    csrf = await log_in(director, boss)
    page = await (await director.get("/cai-dat/nhan-vien")).text()
    assert "Đang bị hoãn đăng nhập đến" in page and "giờ Việt Nam" in page
    answer = await director.post(f"/cai-dat/nhan-vien/{packer_id}/mo-khoa", data={"csrf": csrf})
    assert answer.status == 200 and "Đã mở khoá" in await answer.text()
    assert await _try(attacker, packer, PASSWORD) == 303


async def test_a_new_password_for_a_packer_shown_once(
    db: asyncpg.Connection, two_clients: tuple[Client, Client]
) -> None:
    director, packer_phone = two_clients
    shop = await seed_shop(db)
    other = await seed_shop(db)
    boss_id, boss = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR, login="giamdoc")
    packer_id, packer = await add_staff(db, shop.tenant_id, StaffRole.PACKER, login="donggoi")
    stranger_id, _ = await add_staff(db, other.tenant_id, StaffRole.PACKER, login="nguoila")
    await log_in(packer_phone, packer)
    csrf = await log_in(director, boss)
    answer = await director.post(f"/cai-dat/nhan-vien/{packer_id}/mat-khau", data={"csrf": csrf})
    html = await answer.text()
    found = re.search(r'id="new-password" value="([^"]+)"', html)
    assert answer.status == 200 and found is not None and "chỉ hiện mật khẩu một lần" in html
    new = found.group(1)
    assert len(new.replace("-", "")) == 12
    assert "new-password" not in await (await director.get("/cai-dat/nhan-vien")).text()
    # the packer's open session ended; the old password no longer works, the new one does
    assert (await packer_phone.get("/dong-goi", allow_redirects=False)).status == 303
    assert await _try(packer_phone, packer, PASSWORD) == 401
    assert await _try(packer_phone, packer, new) == 303
    # a director's password is their own; another cooperative's staff are not found
    own = await director.post(f"/cai-dat/nhan-vien/{boss_id}/mat-khau", data={"csrf": csrf})
    assert own.status == 403
    theirs = await director.post(f"/cai-dat/nhan-vien/{stranger_id}/mat-khau", data={"csrf": csrf})
    assert theirs.status == 404
    unchanged = await db.fetchval("SELECT password_hash FROM staff WHERE id = $1", stranger_id)
    assert unchanged == await db.fetchval("SELECT password_hash FROM staff WHERE id = $1", boss_id)


async def test_only_the_director_opens_the_staff_page(
    db: asyncpg.Connection, two_clients: tuple[Client, Any]
) -> None:
    client, _ = two_clients
    shop = await seed_shop(db)
    _, login = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    csrf = await log_in(client, login)
    assert (await client.get("/cai-dat/nhan-vien")).status == 403
    answer = await client.post("/cai-dat/nhan-vien/1/mat-khau", data={"csrf": csrf})
    assert answer.status == 403
    await asyncio.sleep(0)


async def test_the_director_adds_a_packer_who_logs_in_with_the_password_shown(
    db: asyncpg.Connection, two_clients: tuple[Client, Client]
) -> None:
    director, phone = two_clients
    shop = await seed_shop(db)
    _, boss = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR, login="giamdoc")
    csrf = await log_in(director, boss)
    form = {"csrf": csrf, "display_name": " Chị  Hoa ", "login": "Hoa.DongGoi", "role": "packer"}
    answer = await director.post("/cai-dat/nhan-vien/them", data=form)
    html = await answer.text()
    found = re.search(r'id="new-password" value="([^"]+)"', html)
    assert answer.status == 200 and found is not None and "Đã thêm Chị Hoa (Đóng gói)" in html
    row = await db.fetchrow(
        "SELECT tenant_id, role, display_name FROM staff WHERE login = 'hoa.donggoi'"
    )
    assert tuple(row) == (shop.tenant_id, "packer", "Chị Hoa")
    assert await _try(phone, "hoa.donggoi", found.group(1)) == 303
    taken = await director.post("/cai-dat/nhan-vien/them", data=form)
    assert taken.status == 422 and "đã có người dùng" in await taken.text()
    bad = {**form, "login": "hoa đóng gói", "role": "director"}
    refused = await director.post("/cai-dat/nhan-vien/them", data=bad)
    text = await refused.text()
    assert refused.status == 422 and "Tên đăng nhập 3–32 ký tự" in text and "Hãy chọn" in text
    assert await db.fetchval("SELECT count(*) FROM staff WHERE tenant_id = $1", shop.tenant_id) == 2
