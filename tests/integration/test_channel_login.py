"""Issue 20 item 2: a Facebook Page, a Zalo OA and a TikTok shop connected through their login
flows (simulated, the platforms' documented wire format), tokens sealed, no token pasted."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import AsyncIterator

import asyncpg
import orjson
import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestClient, TestServer

from aggregator.credentials.cipher import open_json
from aggregator.credentials.keyring import credential_cipher
from aggregator.platforms.token_refresh import Refreshed, refresh_channel
from aggregator.settings import Settings
from aggregator.tools.demo.platforms import demo_platforms
from aggregator.tools.demo.seed import CHANNELS
from aggregator.web.app import create_app
from connectors.tiktok.auth import refresh_shop_token
from connectors.tiktok.client import ShopClient
from connectors.zalo.oauth import refresh_oa_token
from schema.enums import Platform, StaffRole
from tests.support.channel_login import PUBLIC_URL, LoginRig, login_rig, walk_login
from tests.support.factories import seed_shop
from tests.support.staff import add_staff, hidden, log_in
from workers.context import PG_POOL
from workers.token_jobs import expire_channel_logins_job

Client = TestClient  # type: ignore[type-arg]


@pytest.fixture
async def rig(settings: Settings) -> AsyncIterator[LoginRig]:
    async with login_rig(settings) as running:
        yield running


@pytest.fixture
async def client(rig: LoginRig) -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_app(rig.settings))) as test_client:
        yield test_client


async def _director(db: asyncpg.Connection, client: Client) -> tuple[int, int, str]:
    shop = await seed_shop(db)
    staff_id, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    return shop.tenant_id, staff_id, await log_in(client, login)


async def _channel(db: asyncpg.Connection, platform: str, external_id: str) -> asyncpg.Record:
    row = await db.fetchrow(
        "SELECT * FROM channels WHERE platform = $1 AND external_id = $2", platform, external_id
    )
    assert row is not None, f"no {platform} channel {external_id}"
    return row


def _settings(row: asyncpg.Record) -> dict[str, object]:
    value = row["settings"]
    return dict(value) if isinstance(value, dict) else dict(orjson.loads(value))


async def test_facebook_login_connects_the_picked_pages_and_subscribes_them(
    client: Client, rig: LoginRig, db: asyncpg.Connection
) -> None:
    tenant_id, _, _ = await _director(db, client)
    start = await client.get("/cai-dat/kenh/facebook/ket-noi", allow_redirects=False)
    dialog = start.headers["Location"]
    for part in ("client_id=fb-app-1", "config_id=cfg-1", "response_type=code", "state="):
        assert part in dialog, dialog

    back = await walk_login(client, rig.http, "facebook")
    assert back.status == 303, await back.text()
    pick_path = back.headers["Location"]
    assert re.fullmatch(r"/cai-dat/kenh/facebook/chon/\d+", pick_path)
    assert rig.facebook.login.exchanges == 2  # the code, then the long-lived token
    picker = await (await client.get(pick_path)).text()
    (first_id, first_name), (second_id, second_name) = rig.facebook.login.pages
    assert first_name in picker and second_name in picker
    assert rig.facebook.tokens[first_id] not in picker  # Page tokens stay sealed

    chosen = await client.post(
        pick_path, data={"csrf": hidden(picker), "page": first_id}, allow_redirects=False
    )
    assert chosen.status == 303, await chosen.text()
    page = await (await client.get(chosen.headers["Location"])).text()
    assert "Đã kết nối Facebook" in page and first_name in page
    assert rig.facebook.tokens[first_id] not in page

    row = await _channel(db, "facebook", first_id)
    assert row["tenant_id"] == tenant_id and row["status"] == "active"
    sealer = credential_cipher(rig.settings, Platform.FACEBOOK)
    assert sealer.decrypt(row["credentials_encrypted"]) == rig.facebook.tokens[first_id]
    assert _settings(row)["webhook_fields"] == ["feed", "messages", "live_videos"]
    assert rig.facebook.login.subscriptions[first_id] == ["feed", "messages", "live_videos"]
    assert second_id not in rig.facebook.login.subscriptions
    assert await db.fetchval("SELECT count(*) FROM channels WHERE external_id = $1", second_id) == 0
    login = await db.fetchrow("SELECT * FROM channel_logins WHERE tenant_id = $1", tenant_id)
    assert login["status"] == "connected" and login["offer_sealed"] is None
    assert login["state_hash"] is not None and len(login["state_hash"]) == 32

    # the picker and the callback work once
    again = await client.post(pick_path, data={"csrf": hidden(picker), "page": second_id})
    assert again.status == 404 and "Hãy kết nối lại" in await again.text()


async def test_a_callback_is_honoured_once_and_only_for_the_director_who_started_it(
    client: Client, rig: LoginRig, db: asyncpg.Connection
) -> None:
    tenant_id, _, _ = await _director(db, client)
    start = await client.get("/cai-dat/kenh/zalo/ket-noi", allow_redirects=False)
    async with rig.http.get(start.headers["Location"]) as screen:
        form = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', await screen.text()))
    action = start.headers["Location"].split("?")[0] + "/sim-consent"
    async with rig.http.post(action, data={**form, "decision": "allow"},
                             allow_redirects=False) as consent:  # fmt: skip
        callback = consent.headers["Location"].removeprefix(rig.settings.public_url or "")

    _, other = await add_staff(db, tenant_id, StaffRole.DIRECTOR)
    await log_in(client, other)
    stranger = await client.get(callback, allow_redirects=False)
    assert stranger.status == 400  # another director cannot finish (or spend) this login
    zalo = "SELECT count(*) FROM channels WHERE platform = 'zalo' AND tenant_id = $1"
    assert await db.fetchval(zalo, tenant_id) == 0

    first = await db.fetchval("SELECT login FROM staff WHERE tenant_id = $1 AND login <> $2 "
                              "ORDER BY id LIMIT 1", tenant_id, other)  # fmt: skip
    await log_in(client, first)
    done = await client.get(callback, allow_redirects=False)
    assert done.status == 303, await done.text()
    replay = await client.get(callback, allow_redirects=False)
    assert replay.status == 400 and "Quá thời gian đăng nhập" in await replay.text()


async def test_zalo_oa_login_with_pkce_stores_the_sealed_token_pair(
    client: Client, rig: LoginRig, db: asyncpg.Connection
) -> None:
    tenant_id, _, _ = await _director(db, client)
    start = await client.get("/cai-dat/kenh/zalo/ket-noi", allow_redirects=False)
    link = start.headers["Location"]
    assert "code_challenge=" in link and "app_id=zalo-app-1" in link and "state=" in link
    back = await walk_login(client, rig.http, "zalo")
    assert back.status == 303, await back.text()
    page = await (await client.get(back.headers["Location"])).text()
    assert "Đã kết nối Zalo OA" in page and rig.zalo.login.oa_name in page

    row = await _channel(db, "zalo", rig.zalo.login.oa_id)
    assert row["tenant_id"] == tenant_id and row["name"] == rig.zalo.login.oa_name
    tokens = open_json(credential_cipher(rig.settings, Platform.ZALO), row["credentials_encrypted"])
    assert rig.zalo.tokens[tokens["access_token"]] == rig.zalo.login.oa_id
    assert tokens["refresh_token"] in rig.zalo.refresh_tokens
    settings = (
        row["settings"] if isinstance(row["settings"], dict) else orjson.loads(row["settings"])
    )
    assert settings["token_expires_at"] > 0
    login = await db.fetchrow(
        "SELECT * FROM channel_logins WHERE platform = 'zalo' AND tenant_id = $1", tenant_id
    )
    assert login["verifier_sealed"] is None and login["status"] == "connected"


async def test_zalo_refuses_a_code_without_the_matching_verifier(rig: LoginRig) -> None:
    """The simulator enforces PKCE as Zalo does: the code alone is not enough."""
    rig.zalo.login.codes["stolen-code"] = (rig.zalo.login.oa_id, "a-challenge", 1e12)
    form = {"code": "stolen-code", "app_id": rig.zalo.app_id,
            "grant_type": "authorization_code", "code_verifier": "guess"}  # fmt: skip
    async with rig.http.post(
        rig.settings.zalo_oauth_url + "/v4/oa/access_token", data=form,
        headers={"secret_key": rig.zalo.app_secret},
    ) as answer:  # fmt: skip
        body = await answer.json()
    assert body["error"] == -14021 and "access_token" not in body


async def test_tiktok_shop_authorization_connects_every_authorized_shop(
    client: Client, rig: LoginRig, db: asyncpg.Connection
) -> None:
    await _director(db, client)
    back = await walk_login(client, rig.http, "tiktok")
    assert back.status == 303, await back.text()
    page = await (await client.get(back.headers["Location"])).text()
    shop_id, shop_name = rig.tiktok.login.shops[0]
    assert "Đã kết nối TikTok Shop" in page and shop_name in page

    row = await _channel(db, "tiktok", shop_id)
    settings = (
        row["settings"] if isinstance(row["settings"], dict) else orjson.loads(row["settings"])
    )
    assert settings["shop_cipher"] == f"cipher-{shop_id}" and settings["reconnect_by"] > 0
    tokens = open_json(
        credential_cipher(rig.settings, Platform.TIKTOK), row["credentials_encrypted"]
    )
    secret = rig.settings.tiktok_app_secret
    assert secret is not None
    client_ = ShopClient(rig.http, rig.settings.tiktok_api_url, rig.settings.tiktok_app_key,
                         secret.get_secret_value().encode())  # fmt: skip
    found = await client_.search_orders(
        tokens["access_token"], settings["shop_cipher"], updated_from=0, updated_to=2**31
    )
    assert found.orders == []  # the stored token and cipher open the shop's Order API


async def test_a_refused_login_says_so_and_connects_nothing(
    client: Client, rig: LoginRig, db: asyncpg.Connection
) -> None:
    tenant_id, _, _ = await _director(db, client)
    back = await walk_login(client, rig.http, "facebook", decision="deny")
    assert back.status == 400
    assert "Bạn đã từ chối cấp quyền" in await back.text()
    assert await db.fetchval("SELECT count(*) FROM channels WHERE tenant_id = $1", tenant_id) == 1
    # (only the Page the test shop was seeded with)


async def test_without_a_registered_app_the_page_says_who_to_ask(
    settings: Settings, db: asyncpg.Connection
) -> None:
    async with TestClient(TestServer(create_app(settings))) as plain:
        await _director(db, plain)
        page = await (await plain.get("/cai-dat/kenh")).text()
        assert "máy chủ chưa có ứng dụng Facebook" in page
        start = await plain.get("/cai-dat/kenh/zalo/ket-noi", allow_redirects=False)
        assert start.status == 503 and "người quản trị máy chủ" in await start.text()
        assert (await plain.get("/cai-dat/kenh/shopee/ket-noi")).status == 404


async def test_only_the_director_opens_the_channel_page(
    client: Client, db: asyncpg.Connection
) -> None:
    shop = await seed_shop(db)
    _, packer = await add_staff(db, shop.tenant_id, StaffRole.PACKER)
    await log_in(client, packer)
    assert (await client.get("/cai-dat/kenh")).status == 403
    refused = await client.get("/cai-dat/kenh/facebook/ket-noi", allow_redirects=False)
    assert refused.status == 403


async def test_a_login_running_out_shows_on_the_dashboard_with_a_one_tap_reconnect(
    client: Client, rig: LoginRig, db: asyncpg.Connection
) -> None:
    tenant_id, _, _ = await _director(db, client)
    back = await walk_login(client, rig.http, "tiktok")
    assert back.status == 303, await back.text()
    shop_id = rig.tiktok.login.shops[0][0]
    await db.execute(
        "UPDATE channels SET settings = settings || jsonb_build_object('reconnect_by', "
        "extract(epoch FROM now())::bigint + 3 * 86400 + 600) WHERE external_id = $1",
        shop_id,
    )
    board = await (await client.get("/bang-dieu-khien")).text()
    assert "còn 3 ngày, cần đăng nhập lại" in board
    assert 'href="/cai-dat/kenh/tiktok/ket-noi"' in board
    settings_page = await (await client.get("/cai-dat/kenh")).text()
    assert 'id="reconnect-' in settings_page and "còn 3 ngày" in settings_page

    again = await walk_login(client, rig.http, "tiktok")  # the one tap, then the consent
    assert again.status == 303
    row = await _channel(db, "tiktok", shop_id)
    renewed = _settings(row)["reconnect_by"]
    assert isinstance(renewed, int) and renewed > time.time() + 300 * 86400  # a new year-long login
    assert row["tenant_id"] == tenant_id
    board = await (await client.get("/bang-dieu-khien")).text()
    assert "cần đăng nhập lại" not in board


async def test_the_demo_platforms_connect_its_page_and_oa_by_login(
    settings: Settings, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make demo`: its simulators and settings run the Facebook and Zalo logins end to end."""
    async with demo_platforms() as demo:
        for key, value in demo.environment().items():
            monkeypatch.setenv(key, value)
        own = Settings(database_url=settings.database_url, redis_url=settings.redis_url,
                       arq_queue=settings.arq_queue, public_url=PUBLIC_URL)  # fmt: skip
        async with TestClient(TestServer(create_app(own))) as demo_client, ClientSession() as http:
            tenant_id, _, _ = await _director(db, demo_client)
            back = await walk_login(demo_client, http, "facebook")
            picker = await (await demo_client.get(back.headers["Location"])).text()
            page_id = demo.facebook.login.pages[0][0]
            assert CHANNELS[Platform.FACEBOOK][2] in picker
            await demo_client.post(back.headers["Location"],
                                   data={"csrf": hidden(picker), "page": page_id})  # fmt: skip
            zalo = await walk_login(demo_client, http, "zalo")
            assert zalo.status == 303, await zalo.text()
    rows = await db.fetch(
        "SELECT platform, external_id FROM channels WHERE tenant_id = $1 "
        "AND credentials_encrypted IS NOT NULL ORDER BY platform",
        tenant_id,
    )
    assert [(r["platform"], r["external_id"]) for r in rows] == [
        ("facebook", CHANNELS[Platform.FACEBOOK][1]), ("zalo", CHANNELS[Platform.ZALO][1])
    ]  # fmt: skip


async def test_a_page_of_another_cooperative_stays_with_it(
    client: Client, rig: LoginRig, db: asyncpg.Connection
) -> None:
    other = await seed_shop(db)
    page_id = rig.facebook.login.pages[0][0]
    await db.execute(
        "UPDATE channels SET external_id = $1 WHERE id = $2", page_id, other.channel_id
    )
    tenant_id, _, _ = await _director(db, client)
    back = await walk_login(client, rig.http, "facebook")
    picker = await (await client.get(back.headers["Location"])).text()
    refused = await client.post(
        back.headers["Location"], data={"csrf": hidden(picker), "page": page_id}
    )
    assert refused.status == 400
    assert "đã được một hợp tác xã khác kết nối" in await refused.text()
    row = await _channel(db, "facebook", page_id)
    assert row["tenant_id"] == other.tenant_id and row["credentials_encrypted"] is None
    assert page_id not in rig.facebook.login.subscriptions
    mine = "SELECT count(*) FROM channels WHERE tenant_id = $1 AND external_id = $2"
    assert await db.fetchval(mine, tenant_id, page_id) == 0


async def test_a_page_the_person_cannot_moderate_is_connected_with_a_warning(
    client: Client, rig: LoginRig, db: asyncpg.Connection
) -> None:
    await _director(db, client)
    rig.facebook.login.tasks = ["ANALYZE", "ADVERTISE"]
    back = await walk_login(client, rig.http, "facebook")
    picker = await (await client.get(back.headers["Location"])).text()
    page_id, page_name = rig.facebook.login.pages[1]
    done = await client.post(back.headers["Location"],
                             data={"csrf": hidden(picker), "page": page_id})  # fmt: skip
    text = await done.text()
    assert f"Đã kết nối Facebook: <strong>{page_name}</strong>" in text
    assert "thiếu quyền kiểm duyệt bình luận, nhắn tin" in text


async def test_logged_in_channels_are_kept_fresh_by_the_token_refresh(
    client: Client, rig: LoginRig, db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    """What a login stores is what the refresh cron renews: Zalo's single-use refresh token and
    TikTok's pair, whose new refresh-token end becomes the day a new login is due."""
    await _director(db, client)
    assert (await walk_login(client, rig.http, "zalo")).status == 303
    assert (await walk_login(client, rig.http, "tiktok")).status == 303
    s = rig.settings
    zalo_secret, tiktok_secret = s.zalo_app_secret, s.tiktok_app_secret
    assert zalo_secret is not None and tiktok_secret is not None
    refreshers = {
        Platform.ZALO: functools.partial(
            refresh_oa_token, rig.http, s.zalo_oauth_url, s.zalo_app_id,
            zalo_secret.get_secret_value(),
        ),
        Platform.TIKTOK: functools.partial(
            refresh_shop_token, rig.http, s.tiktok_auth_url, s.tiktok_app_key,
            tiktok_secret.get_secret_value(),
        ),
    }  # fmt: skip
    for platform, external_id in ((Platform.ZALO, rig.zalo.login.oa_id),
                                  (Platform.TIKTOK, rig.tiktok.login.shops[0][0])):  # fmt: skip
        row = await _channel(db, platform.value, external_id)
        sealer = credential_cipher(s, platform)
        before = open_json(sealer, row["credentials_encrypted"])
        result = await refresh_channel(
            pool, sealer, platform, row["id"], refreshers[platform], now=int(time.time()),
            force=True,
        )  # fmt: skip
        assert result is Refreshed.REFRESHED, platform
        after_row = await _channel(db, platform.value, external_id)
        after = open_json(sealer, after_row["credentials_encrypted"])
        assert after["refresh_token"] != before["refresh_token"]
        assert after_row["status"] == "active"
    tiktok = _settings(await _channel(db, "tiktok", rig.tiktok.login.shops[0][0]))
    assert isinstance(tiktok["reconnect_by"], int) and tiktok["reconnect_by"] > time.time()


async def test_an_abandoned_login_loses_what_it_sealed(
    client: Client, rig: LoginRig, db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    tenant_id, _, _ = await _director(db, client)
    start = await client.get("/cai-dat/kenh/zalo/ket-noi", allow_redirects=False)
    assert start.status == 303  # the director never comes back from Zalo
    login_id = await db.fetchval(
        "UPDATE channel_logins SET expires_at = now() - interval '1 second' "
        "WHERE tenant_id = $1 AND status = 'started' RETURNING id",
        tenant_id,
    )
    assert await expire_channel_logins_job({PG_POOL: pool}) >= 1
    row = await db.fetchrow("SELECT * FROM channel_logins WHERE id = $1", login_id)
    assert row["status"] == "failed" and row["problem"] == "expired"
    assert row["verifier_sealed"] is None and row["offer_sealed"] is None


async def test_a_lost_channel_asks_for_a_new_login_in_vietnamese(
    client: Client, rig: LoginRig, db: asyncpg.Connection
) -> None:
    tenant_id, _, _ = await _director(db, client)
    assert (await walk_login(client, rig.http, "zalo")).status == 303
    reason = "Zalo OA x: the platform refused the stored refresh token; reconnect the channel."
    await db.execute(
        "UPDATE channels SET status = 'disconnected', status_reason = $2 "
        "WHERE tenant_id = $1 AND platform = 'zalo'",
        tenant_id,
        reason,
    )
    page = await (await client.get("/cai-dat/kenh")).text()
    assert "mất kết nối" in page and "Cần đăng nhập lại để kênh tiếp tục hoạt động" in page
    assert 'href="/cai-dat/kenh/zalo/ket-noi"' in page and "refused" not in page


async def test_a_refused_webhook_subscription_still_connects_the_page(
    client: Client, rig: LoginRig, db: asyncpg.Connection
) -> None:
    await _director(db, client)
    rig.facebook.login.refuse_subscriptions = True
    back = await walk_login(client, rig.http, "facebook")
    picker = await (await client.get(back.headers["Location"])).text()
    page_id, page_name = rig.facebook.login.pages[0]
    done = await client.post(back.headers["Location"],
                             data={"csrf": hidden(picker), "page": page_id})  # fmt: skip
    text = await done.text()
    assert f"<strong>{page_name}</strong>" in text
    assert "chưa đăng ký nhận bình luận và tin nhắn tự động" in text
    row = await _channel(db, "facebook", page_id)
    assert row["status"] == "active" and "webhook_fields" not in _settings(row)
    page = await (await client.get("/cai-dat/kenh")).text()
    assert "chưa đăng ký nhận tin tự động" in page


async def test_logging_in_again_shows_which_pages_are_already_connected(
    client: Client, rig: LoginRig, db: asyncpg.Connection
) -> None:
    await _director(db, client)
    first = await walk_login(client, rig.http, "facebook")
    picker = await (await client.get(first.headers["Location"])).text()
    page_id = rig.facebook.login.pages[0][0]
    await client.post(first.headers["Location"], data={"csrf": hidden(picker), "page": page_id})
    again = await walk_login(client, rig.http, "facebook")
    picker = await (await client.get(again.headers["Location"])).text()
    assert picker.count("đã kết nối, kết nối lại để làm mới") == 1
