"""Staff web app: login (argon2, session cookie, CSRF, rate limit), roles, the order queue, the
order page and confirm by phone; another cooperative's staff gets 404 on every order URL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from aggregator.core.staff import token_hash
from aggregator.settings import Settings
from aggregator.web.app import create_app
from schema.enums import StaffRole
from tests.support.factories import seed_shop
from tests.support.staff import PASSWORD, add_order, add_staff, hidden, log_in

Client = TestClient  # type: ignore[type-arg]


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_app(settings))) as test_client:
        yield test_client


async def _login_form(client: Client) -> str:
    return hidden(await (await client.get("/dang-nhap")).text())


async def test_login_sets_a_safe_session_cookie_and_logout_ends_it(
    client: Client, db: asyncpg.Connection
) -> None:
    shop = await seed_shop(db)
    staff_id, login = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    await db.execute(
        "INSERT INTO staff_sessions (staff_id, tenant_id, token_hash, csrf_token, expires_at) "
        "VALUES ($1, $2, $3, 'old', now() - interval '1 second')",
        staff_id, shop.tenant_id, token_hash("expired-token"),
    )  # fmt: skip
    assert (
        await client.get("/don", cookies={"cd_staff": "expired-token"}, allow_redirects=False)
    ).status == 303
    answer = await client.post(
        "/dang-nhap",
        data={"csrf": await _login_form(client), "login": login.upper(), "password": PASSWORD},
        allow_redirects=False,
    )
    assert answer.status == 303 and answer.headers["Location"] == "/don"
    cookie = answer.headers.getall("Set-Cookie")
    session = next(c for c in cookie if c.startswith("cd_staff="))
    assert "HttpOnly" in session and "SameSite=Lax" in session and "Secure" not in session
    token = session.split(";")[0].split("=", 1)[1]
    stored = await db.fetchval("SELECT token_hash FROM staff_sessions")  # the expired one is gone
    assert stored != token and len(stored) == 64  # only a hash of the token is kept
    page = await client.get("/don")
    assert page.status == 200
    csrf = hidden(await page.text())
    assert (await client.post("/dang-xuat", data={"csrf": "wrong"})).status == 403
    out = await client.post("/dang-xuat", data={"csrf": csrf}, allow_redirects=False)
    assert out.status == 303 and out.headers["Location"] == "/dang-nhap"
    assert await db.fetchval("SELECT count(*) FROM staff_sessions") == 0
    again = await client.get("/don", allow_redirects=False)
    assert again.status == 303 and again.headers["Location"] == "/dang-nhap"


async def test_the_cookie_is_secure_behind_https(
    settings: Settings, db: asyncpg.Connection
) -> None:
    shop = await seed_shop(db)
    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    app = create_app(settings.model_copy(update={"public_url": "https://chotdon.example"}))
    async with TestClient(TestServer(app)) as https_client:
        form = await https_client.get("/dang-nhap")
        assert "Secure" in form.headers["Set-Cookie"]
        signed = form.cookies["cd_login"].value  # the jar keeps Secure cookies from plain http
        answer = await https_client.post(
            "/dang-nhap",
            data={"csrf": hidden(await form.text()), "login": login, "password": PASSWORD},
            cookies={"cd_login": signed},
            allow_redirects=False,
        )
    assert answer.status == 303
    assert "Secure" in next(c for c in answer.headers.getall("Set-Cookie") if "cd_staff=" in c)


@pytest.fixture
async def slow_client(settings: Settings) -> AsyncIterator[Client]:
    """A first login delay that outlasts slow password checks on a busy test machine."""
    app = create_app(settings.model_copy(update={"login_first_delay_s": 60.0}))
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def test_login_refusals_csrf_and_rate_limit(
    slow_client: Client, db: asyncpg.Connection
) -> None:
    client = slow_client
    shop = await seed_shop(db)
    _, login = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    no_csrf = await client.post("/dang-nhap", data={"login": login, "password": PASSWORD})
    assert no_csrf.status == 403
    for _ in range(5):
        wrong = await client.post(
            "/dang-nhap",
            data={"csrf": await _login_form(client), "login": login, "password": "sai-mat-khau"},
        )
        assert wrong.status == 401
        assert "Sai tên đăng nhập hoặc mật khẩu" in await wrong.text()
    unknown = await client.post(
        "/dang-nhap",
        data={"csrf": await _login_form(client), "login": "khong-co", "password": PASSWORD},
    )
    assert unknown.status == 401
    throttled = await client.post(
        "/dang-nhap",
        data={"csrf": await _login_form(client), "login": login, "password": PASSWORD},
    )
    assert throttled.status == 429 and "Hãy thử lại sau" in await throttled.text()
    assert 0 < int(throttled.headers["Retry-After"]) <= 60  # a delay, not a 15-minute lock
    assert await db.fetchval("SELECT count(*) FROM staff_sessions") == 0


async def test_inactive_staff_cannot_log_in(client: Client, db: asyncpg.Connection) -> None:
    shop = await seed_shop(db)
    staff_id, login = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    await db.execute("UPDATE staff SET active = false WHERE id = $1", staff_id)
    answer = await client.post(
        "/dang-nhap",
        data={"csrf": await _login_form(client), "login": login, "password": PASSWORD},
    )
    assert answer.status == 401


async def test_queue_filters_search_and_pages(client: Client, db: asyncpg.Connection) -> None:
    shop = await seed_shop(db)
    other = await seed_shop(db, slug="htx-khac")
    foreign = await add_order(db, other, name="Người Khác", phone="0987654321")
    lan = await add_order(db, shop, name="Nguyễn Thị Lan", phone="0912345678")
    hoa = await add_order(db, shop, status="confirmed", name="Trần Hoa 50%")
    for i in range(30):
        await add_order(db, shop, name=f"Khách {i}")
    _, login = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    await log_in(client, login)
    first = await (await client.get("/don")).text()
    assert first.count('<li><a href="/don/') == 25 and 'id="next"' in first
    assert f'"/don/{foreign}"' not in first
    second = await (await client.get("/don?page=2")).text()
    assert second.count('<li><a href="/don/') == 7 and f'"/don/{lan}"' in second  # oldest last
    by_phone = await (await client.get("/don", params={"q": "+84 912 345 678"})).text()
    assert by_phone.count('<li><a href="/don/') == 1 and f'"/don/{lan}"' in by_phone
    by_name = await (await client.get("/don", params={"q": "hoa 50%"})).text()
    assert by_name.count('<li><a href="/don/') == 1 and f'"/don/{hoa}"' in by_name
    confirmed = await (await client.get("/don", params={"status": "confirmed"})).text()
    assert confirmed.count('<li><a href="/don/') == 1
    live = await (await client.get("/don", params={"live": str(other.session_id)})).text()
    assert "Không có đơn nào" in live  # another cooperative's live shows nothing
    foreign_phone = await (await client.get("/don", params={"q": "0987654321"})).text()
    assert "Không có đơn nào" in foreign_phone


async def test_order_page_and_confirm_by_phone(client: Client, db: asyncpg.Connection) -> None:
    shop = await seed_shop(db)
    order_id = await add_order(db, shop, name="<b>Lan</b>", comment="chốt A01 x2 <script>")
    staff_id, login = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    csrf = await log_in(client, login)
    page = await (await client.get(f"/don/{order_id}")).text()
    assert "&lt;b&gt;Lan&lt;/b&gt;" in page and "<b>Lan</b>" not in page
    assert "chốt A01 x2 &lt;script&gt;" in page and "Gạo ST25" in page
    assert "360.000" in page and 'id="confirm"' in page
    # the call script reads the order back to the buyer, escaped like everything else
    assert 'id="call-script"' in page
    assert "anh/chị &lt;b&gt;Lan&lt;/b&gt;" in page and "2 × Gạo ST25" in page
    no_csrf = await client.post(f"/don/{order_id}/xac-nhan", data={"csrf": "x"})
    assert no_csrf.status == 403
    form = {
        "csrf": csrf,
        "name": "Trần Thị Lan",
        "phone": "0912 345 678",
        "province": "1",
        "ward": "70",
        "address": "Số 5 Hàng Bài",
        "payment": "cod",
        "consent": "yes",  # staff read the personal-data notice and the buyer agreed
        "action": "confirm",
    }
    done = await client.post(f"/don/{order_id}/xac-nhan", data=form)
    assert done.status == 200 and "Đã xác nhận đơn" in await done.text()
    event = await db.fetchrow(
        "SELECT actor, to_status, reason FROM order_events WHERE order_id = $1 AND to_status "
        "IS NOT NULL", order_id,
    )  # fmt: skip
    assert dict(event) == {
        "actor": f"staff:{staff_id}", "to_status": "confirmed",
        "reason": "nhân viên gọi điện xác nhận với khách",
    }  # fmt: skip
    again = await client.post(f"/don/{order_id}/xac-nhan", data=form)
    assert "không xác nhận được" in await again.text()


async def test_another_cooperative_gets_404_on_every_order_url(
    client: Client, db: asyncpg.Connection
) -> None:
    shop = await seed_shop(db)
    other = await seed_shop(db, slug="htx-khac")
    waiting = await add_order(db, shop)
    packing = await add_order(db, shop, status="packing")
    _, intruder = await add_staff(db, other.tenant_id, StaffRole.DIRECTOR)
    csrf = await log_in(client, intruder)
    assert (await client.get(f"/don/{waiting}")).status == 404
    assert (await client.post(f"/don/{waiting}/xac-nhan", data={"csrf": csrf})).status == 404
    assert (await client.get(f"/dong-goi/{packing}")).status == 404
    order_no = await db.fetchval("SELECT order_no FROM orders WHERE id = $1", packing)
    scan = await client.post(f"/dong-goi/{packing}/quet", data={"csrf": csrf, "barcode": order_no})
    assert scan.status == 404
    claimed = await client.post("/dong-goi/nhan", data={"csrf": csrf}, allow_redirects=False)
    assert claimed.headers["Location"] == "/dong-goi?done=none"  # nothing of theirs to claim
    assert (await client.get("/don/abc")).status == 404
    statuses = await db.fetch("SELECT status FROM orders WHERE tenant_id = $1", shop.tenant_id)
    assert sorted(r["status"] for r in statuses) == ["awaiting_confirmation", "packing"]
    assert await db.fetchval("SELECT count(*) FROM order_events") == 0


async def test_the_director_sees_the_confirmation_rate_per_live(
    client: Client, db: asyncpg.Connection
) -> None:
    shop = await seed_shop(db)
    for status in ("confirmed", "shipped", "expired", "awaiting_confirmation"):
        await add_order(db, shop, status=status)
    await db.execute("UPDATE orders SET source = 'comment'")
    _, director = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    await log_in(client, director)
    page = await (await client.get("/don")).text()
    assert 'id="rates"' in page
    assert "<td>4</td><td>2</td><td>1</td><td>50%</td>" in page
    await client.post("/dang-xuat", data={"csrf": hidden(page)})
    _, clerk = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    await log_in(client, clerk)
    assert 'id="rates"' not in await (await client.get("/don")).text()


async def test_staff_see_their_cooperatives_transfers_to_resolve(
    client: Client, db: asyncpg.Connection
) -> None:
    shop, other = await seed_shop(db), await seed_shop(db)
    order_id = await add_order(db, shop)
    await db.execute(
        "INSERT INTO payments (tenant_id, transaction_id, amount_vnd, content, order_no, order_id, "
        "status) SELECT $1, 'ft-1', 200000, '<i>dat coc</i>', order_no, id, 'partial' "
        "FROM orders WHERE id = $2",
        shop.tenant_id,
        order_id,
    )
    await db.execute(
        "INSERT INTO payments (tenant_id, transaction_id, amount_vnd, status) "
        "VALUES ($1, 'ft-other', 5000, 'unmatched')",
        other.tenant_id,
    )
    _, login = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    await log_in(client, login)
    page = await (await client.get("/thanh-toan")).text()
    assert "ft-1" in page and "200.000" in page and "chuyển thiếu" in page
    assert "&lt;i&gt;dat coc&lt;/i&gt;" in page and f'href="/don/{order_id}"' in page
    assert "ft-other" not in page
