"""The director's live setup: connect a channel (sealed, never echoed), keyword templates that
change how that live's comments parse, start and stop a live with stock, and an on-air promotion
that changes order totals through the real merge, on the buyer page and the staff order page."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from arq.connections import ArqRedis

from aggregator.confirmation.links import order_token
from aggregator.core.parser import parse_comment
from aggregator.credentials.cipher import open_json
from aggregator.credentials.keyring import credential_cipher
from aggregator.ingest.catalogs import CatalogCache
from aggregator.ingest.pipeline import Ingestor
from aggregator.orders.merge import merge_session
from aggregator.settings import Settings
from aggregator.web.app import create_app
from schema.enums import Platform, StaffRole
from tests.support.confirmation import confirmation_settings, order_from_comments
from tests.support.factories import Shop, seed_shop
from tests.support.staff import add_staff, log_in

Client = TestClient  # type: ignore[type-arg]
SECRET = "zalo-access-token-SHOULD-NEVER-SHOW"


@dataclass
class Rig:
    client: Client
    settings: Settings


@pytest.fixture
async def rig(settings: Settings) -> AsyncIterator[Rig]:
    own = confirmation_settings(settings)
    async with TestClient(TestServer(create_app(own))) as client:
        yield Rig(client, own)


async def _director(rig: Rig, db: asyncpg.Connection) -> tuple[Shop, str]:
    shop = await seed_shop(db)
    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    return shop, await log_in(rig.client, login)


def _start_form(shop: Shop, csrf: str, **more: str) -> dict[str, str]:
    return {
        "csrf": csrf, "title": "Live gạo mới tối thứ Sáu", "channel": str(shop.channel_id),
        "external_live_id": f"fb-{shop.live_id}-2", "hold_mode": "first_comment",
        f"qty_{shop.products['A01']}": "10", f"qty_{shop.products['N01']}": "5",
        f"qty_{shop.products['B01']}": "0", f"qty_{shop.products['M02']}_1": "7", **more,
    }  # fmt: skip


async def test_a_channel_is_connected_sealed_and_never_echoed(
    rig: Rig, db: asyncpg.Connection
) -> None:
    shop, csrf = await _director(rig, db)
    form = {"csrf": csrf, "platform": "zalo", "external_id": "oa-123", "name": "Zalo HTX",
            "secret": SECRET, "extra_setting": "tpl-77"}  # fmt: skip
    answer = await rig.client.post("/phien-live/kenh", data=form)
    html = await answer.text()
    assert answer.status == 200 and "Đã kết nối kênh." in html and SECRET not in html
    row = await db.fetchrow(
        "SELECT tenant_id, credentials_encrypted, settings FROM channels "
        "WHERE external_id = 'oa-123'"
    )
    assert (
        row["tenant_id"] == shop.tenant_id and SECRET.encode() not in row["credentials_encrypted"]
    )
    opened = open_json(credential_cipher(rig.settings, Platform.ZALO), row["credentials_encrypted"])
    assert opened == {"access_token": SECRET}
    assert row["settings"]["zns_order_update_template"] == "tpl-77"
    bad = await rig.client.post("/phien-live/kenh", data={**form, "external_id": "", "name": ""})
    html = await bad.text()
    assert bad.status == 400 and "Hãy nhập ID của Trang" in html and SECRET not in html
    _, csrf_b = await _director(rig, db)  # another cooperative tries to take the same OA
    taken = await rig.client.post("/phien-live/kenh", data={**form, "csrf": csrf_b})
    assert taken.status == 400 and "hợp tác xã khác" in await taken.text()
    assert await db.fetchval("SELECT tenant_id FROM channels WHERE external_id = 'oa-123'") == (
        shop.tenant_id
    )


async def test_a_channel_is_disconnected_with_its_token_erased_and_can_come_back(
    rig: Rig, db: asyncpg.Connection
) -> None:
    shop, csrf = await _director(rig, db)
    form = {"csrf": csrf, "platform": "zalo", "external_id": "oa-9", "name": "Zalo HTX",
            "secret": SECRET}  # fmt: skip
    await rig.client.post("/phien-live/kenh", data=form)
    zalo = await db.fetchval("SELECT id FROM channels WHERE external_id = 'oa-9'")
    page = await (await rig.client.get("/phien-live")).text()
    assert f'id="disconnect-{zalo}"' in page and f'name="channel" value="{zalo}"' in page
    on_air = await rig.client.post(f"/phien-live/kenh/{shop.channel_id}/ngat", data={"csrf": csrf})
    assert on_air.status == 400 and "hãy kết thúc live trước" in await on_air.text()
    assert await db.fetchval("SELECT status FROM channels WHERE id = $1", shop.channel_id) == (
        "active"
    )
    _, csrf_b = await _director(rig, db)  # another cooperative cannot
    other = await rig.client.post(f"/phien-live/kenh/{zalo}/ngat", data={"csrf": csrf_b})
    assert other.status == 404

    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR, "giamdoc-hoa")
    csrf = await log_in(rig.client, login)
    off = await rig.client.post(f"/phien-live/kenh/{zalo}/ngat", data={"csrf": csrf})
    assert off.status == 200 and "Đã ngắt kết nối kênh" in await off.text()
    row = await db.fetchrow(
        "SELECT status, status_reason, credentials_encrypted FROM channels WHERE id = $1", zalo
    )
    assert row["status"] == "disabled" and row["credentials_encrypted"] is None
    assert row["status_reason"].startswith("Ngắt kết nối bởi")
    page = await (await rig.client.get("/phien-live")).text()
    assert f'id="disconnect-{zalo}"' not in page
    assert f'name="channel" value="{zalo}"' not in page  # no new live can use it
    back = await rig.client.post("/phien-live/kenh", data={**form, "csrf": csrf})
    assert back.status == 200
    assert await db.fetchval("SELECT status FROM channels WHERE id = $1", zalo) == "active"


async def test_a_live_starts_with_stock_keywords_and_promotion_then_stops(
    rig: Rig, db: asyncpg.Connection
) -> None:
    shop, csrf = await _director(rig, db)
    bad_template = {"csrf": csrf, "template_name": "Gạo", "keywords": "A01: hạt ngọc\nZ99: lạ"}
    answer = await rig.client.post("/phien-live/mau-tu-khoa", data=bad_template)
    assert answer.status == 400 and "Dòng 2: không có sản phẩm mã Z99" in await answer.text()
    template = {**bad_template, "keywords": "A01: hạt ngọc, gạo vua"}
    assert (await rig.client.post("/phien-live/mau-tu-khoa", data=template)).status == 200
    template_id = await db.fetchval(
        "SELECT id FROM keyword_templates WHERE tenant_id = $1", shop.tenant_id
    )
    missing = await rig.client.post(
        "/phien-live/bat-dau", data={"csrf": csrf, "title": "", "promo_kind": ""}
    )
    html = await missing.text()
    assert missing.status == 400 and "Hãy chọn ít nhất một kênh" in html
    assert "Hãy đặt tên buổi live" in html and "Hãy nhập số lượng" in html
    promo_bad = _start_form(shop, csrf, promo_kind="percent", promo_min="2", promo_value="95")
    answer = await rig.client.post("/phien-live/bat-dau", data=promo_bad)
    assert answer.status == 400 and "phải từ 1 đến 90" in await answer.text()
    good = _start_form(shop, csrf, template=str(template_id), promo_kind="free_ship", promo_min="2")
    answer = await rig.client.post("/phien-live/bat-dau", data=good)
    html = await answer.text()
    assert answer.status == 200 and "Buổi live đã bắt đầu." in html
    assert "Miễn phí giao hàng cho đơn từ 2 sản phẩm" in html and "A01: hạt ngọc, gạo vua" in html
    live = await db.fetchrow(
        "SELECT * FROM lives WHERE tenant_id = $1 AND title = 'Live gạo mới tối thứ Sáu'",
        shop.tenant_id,
    )
    assert live["status"] == "live" and live["keywords"] == {"A01": ["hạt ngọc", "gạo vua"]}
    assert live["promotion"] == {"kind": "free_ship", "min_items": 2, "value": 0}
    session = await db.fetchval("SELECT id FROM live_sessions WHERE live_id = $1", live["id"])
    stock = await db.fetch(
        "SELECT p.code, s.variant, s.quantity FROM live_stock s "
        "JOIN products p ON p.id = s.product_id WHERE s.live_id = $1 ORDER BY p.code",
        live["id"],
    )  # fmt: skip
    assert [(r["code"], r["variant"], r["quantity"]) for r in stock] == [
        ("A01", "", 10), ("M02", "1l", 7), ("N01", "", 5),
    ]  # fmt: skip
    again = await rig.client.post("/phien-live/bat-dau", data=good)
    assert again.status == 400 and "đã được dùng" in await again.text()
    stopped = await rig.client.post(f"/phien-live/{live['id']}/ket-thuc", data={"csrf": csrf})
    assert "Buổi live đã kết thúc." in await stopped.text()
    assert await db.fetchval("SELECT status FROM live_sessions WHERE id = $1", session) == "ended"
    assert await db.fetchval("SELECT status FROM lives WHERE id = $1", live["id"]) == "ended"


async def test_template_keywords_change_how_that_lives_comments_parse(
    rig: Rig, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop, csrf = await _director(rig, db)
    plain = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01", "lấy 2 hạt ngọc")
    assert await db.fetchval("SELECT subtotal_vnd FROM orders WHERE id = $1", plain) == 180_000
    await rig.client.post(
        "/phien-live/mau-tu-khoa",
        data={"csrf": csrf, "template_name": "Gạo", "keywords": "A01: hạt ngọc"},
    )
    template_id = await db.fetchval(
        "SELECT id FROM keyword_templates WHERE tenant_id = $1", shop.tenant_id
    )
    await db.execute("UPDATE live_sessions SET status = 'ended' WHERE id = $1", shop.session_id)
    form = _start_form(shop, csrf, template=str(template_id))
    await rig.client.post("/phien-live/bat-dau", data=form)
    live = await db.fetchrow(
        "SELECT id, external_live_id FROM live_sessions WHERE tenant_id = $1 AND status = 'live'",
        shop.tenant_id,
    )
    keyed = Shop(shop.tenant_id, shop.channel_id, shop.page_id, live["id"],
                 live["external_live_id"], shop.products)  # fmt: skip
    order = await order_from_comments(db, pool, arq_pool, keyed, "lan", "lấy 2 hạt ngọc")
    # a source without a live id (Zalo chat, a relay) joins the channel's live on air: same words
    async with Ingestor(pool, arq_pool) as ingestor:
        no_id = keyed.comment("chốt 3 hạt ngọc", "minh").model_copy(
            update={"external_live_id": None}
        )
        await ingestor.submit_many([no_id])
    joined = await db.fetchrow(
        "SELECT session_id, parsed FROM comments WHERE author_external_id = 'minh'"
    )
    assert joined["session_id"] == live["id"]
    assert joined["parsed"]["items"] == [{"code": "A01", "qty": 3, "variant": None}]
    lines = await db.fetch("SELECT code, qty FROM order_items WHERE order_id = $1", order)
    assert [(r["code"], r["qty"]) for r in lines] == [("A01", 2)]
    parsed = await db.fetch(
        "SELECT session_id, parsed->'items' AS items FROM comments WHERE body = 'lấy 2 hạt ngọc' "
        "ORDER BY id"
    )
    assert [(r["session_id"], r["items"]) for r in parsed] == [
        (shop.session_id, []), (live["id"], [{"code": "A01", "qty": 2, "variant": None}]),
    ]  # fmt: skip


async def test_the_promotion_changes_totals_through_the_merge_and_shows_to_buyer_and_staff(
    rig: Rig, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop, csrf = await _director(rig, db)
    await db.execute(
        "INSERT INTO live_stock (tenant_id, live_id, product_id, quantity) "
        "SELECT tenant_id, $1, id, 50 FROM products WHERE tenant_id = $2", shop.live,
        shop.tenant_id,
    )  # fmt: skip
    promo = {"csrf": csrf, "promo_kind": "free_ship", "promo_min": "2"}
    assert (await rig.client.post(f"/phien-live/{shop.live}/khuyen-mai", data=promo)).status == 200
    one = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01")
    two = await order_from_comments(db, pool, arq_pool, shop, "minh", "chốt A01 x2")
    rows = {
        r["id"]: r for r in await db.fetch(
            "SELECT id, free_shipping, discount_vnd, total_vnd FROM orders WHERE id = ANY($1)",
            [one, two],
        )
    }  # fmt: skip
    assert rows[one]["free_shipping"] is False and rows[one]["total_vnd"] == 180_000
    assert rows[two]["free_shipping"] is True and rows[two]["total_vnd"] == 360_000
    # with a courier fee on both, only the order of 2 items has it waived
    await db.execute("UPDATE orders SET shipping_vnd = 30000 WHERE id = ANY($1)", [one, two])
    await rig.client.post(f"/phien-live/{shop.live}/khuyen-mai", data=promo)
    totals = await db.fetch(
        "SELECT total_vnd FROM orders WHERE id = ANY($1) ORDER BY id", [one, two]
    )
    assert [r["total_vnd"] for r in totals] == [210_000, 360_000]
    await db.execute("UPDATE orders SET shipping_vnd = 0 WHERE id = ANY($1)", [one, two])
    buyer = await (await rig.client.get(f"/o/{order_token(rig.settings, two)}")).text()
    assert re.search(r'id="shipping">Miễn phí<', buyer)
    assert "Khuyến mãi của buổi live: Miễn phí giao hàng cho đơn từ 2 sản phẩm." in buyer
    staff_page = await (await rig.client.get(f"/don/{two}")).text()
    assert "Miễn phí giao hàng (khuyến mãi của buổi live)" in staff_page
    # 10 % off from 2 items, set while the live runs: unconfirmed orders are re-totalled at once
    percent = {"csrf": csrf, "promo_kind": "percent", "promo_min": "2", "promo_value": "10"}
    await rig.client.post(f"/phien-live/{shop.live}/khuyen-mai", data=percent)
    assert await db.fetchval("SELECT total_vnd FROM orders WHERE id = $1", two) == 324_000
    await order_from_comments(db, pool, arq_pool, shop, "lan", "thêm 1 nem")  # 240.000 → −24.000
    row = await db.fetchrow("SELECT discount_vnd, total_vnd FROM orders WHERE id = $1", one)
    assert (row["discount_vnd"], row["total_vnd"]) == (24_000, 216_000)
    buyer = await (await rig.client.get(f"/o/{order_token(rig.settings, one)}")).text()
    assert 'id="discount">−24.000 ₫<' in buyer and "216.000 ₫" in buyer
    assert "−24.000 ₫" in await (await rig.client.get(f"/don/{one}")).text()
    stats = await merge_session(pool, shop.session_id)
    assert stats.comments == 0


async def test_guards_csrf_roles_and_another_cooperatives_lives(
    rig: Rig, db: asyncpg.Connection
) -> None:
    shop_a, _ = await _director(rig, db)
    shop_b, csrf_b = await _director(rig, db)
    live_a = shop_a.live
    assert (await rig.client.get(f"/phien-live/{live_a}")).status == 404
    for path in (f"/phien-live/{live_a}/ket-thuc", f"/phien-live/{live_a}/khuyen-mai"):
        answer = await rig.client.post(path, data={"csrf": csrf_b, "promo_kind": ""})
        assert answer.status == 404, path
    form = _start_form(shop_b, csrf_b, channel=str(shop_a.channel_id))
    answer = await rig.client.post("/phien-live/bat-dau", data=form)
    assert answer.status == 400 and "Kênh đã chọn không dùng được" in await answer.text()
    # A's product named in B's live form is not offered in B's live
    foreign = _start_form(shop_b, csrf_b, **{f"qty_{shop_a.products['A01']}": "9"})
    await rig.client.post("/phien-live/bat-dau", data=foreign)
    assert (
        await db.fetchval(
            "SELECT count(*) FROM live_stock WHERE product_id = $1", shop_a.products["A01"]
        )
        == 0
    )
    page = await (await rig.client.get("/phien-live")).text()
    assert "Trang HTX" in page and f'href="/phien-live/{live_a}"' not in page
    assert await db.fetchval("SELECT status FROM lives WHERE id = $1", live_a) == "live"
    assert (await rig.client.post("/phien-live/bat-dau", data={**form, "csrf": ""})).status == 403
    assert (await rig.client.post("/phien-live/kenh", data={"platform": "zalo"})).status == 403
    for role in (StaffRole.STAFF, StaffRole.PACKER):
        _, login = await add_staff(db, shop_b.tenant_id, role)
        csrf = await log_in(rig.client, login)
        assert (await rig.client.get("/phien-live")).status == 403
        assert (await rig.client.get(f"/phien-live/{shop_b.live}")).status == 403
        stop = await rig.client.post(f"/phien-live/{shop_b.live}/ket-thuc", data={"csrf": csrf})
        assert stop.status == 403
    assert (
        await db.fetchval("SELECT status FROM live_sessions WHERE id = $1", shop_b.session_id)
        == "live"
    )


async def test_the_catalogue_cache_recompiles_only_when_the_products_change(
    db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    shop = await seed_shop(db)
    cache = CatalogCache(ttl_s=0.0)  # reload from Postgres on every call
    keywords = {"A01": ["hạt ngọc"]}
    first, keyed = (
        await cache.get(pool, shop.tenant_id),
        await cache.get(pool, shop.tenant_id, keywords),
    )
    assert await cache.get(pool, shop.tenant_id) is first  # same rows: the compiled one is kept
    assert await cache.get(pool, shop.tenant_id, keywords) is keyed
    assert (
        parse_comment("lấy 2 hạt ngọc", keyed).items
        and not parse_comment("lấy 2 hạt ngọc", first).items
    )
    await db.execute(
        "UPDATE products SET aliases = aliases || '{gạo vua}' "
        "WHERE tenant_id = $1 AND code = 'A01'",
        shop.tenant_id,
    )
    fresh = await cache.get(pool, shop.tenant_id)
    assert fresh is not first and [i.code for i in parse_comment("2 gạo vua", fresh).items] == [
        "A01"
    ]
    assert await cache.get(pool, shop.tenant_id, keywords) is not keyed


async def test_one_live_starts_on_three_channels_with_one_stock(
    rig: Rig, db: asyncpg.Connection
) -> None:
    shop, csrf = await _director(rig, db)
    channels = [shop.channel_id]
    for platform, external_id, name in (
        ("zalo", "oa-htx", "Zalo HTX"), ("relay", "tt-htx", "TikTok HTX"),
    ):  # fmt: skip
        channels.append(await db.fetchval(
            "INSERT INTO channels (tenant_id, platform, external_id, name) "
            "VALUES ($1, $2, $3, $4) RETURNING id", shop.tenant_id, platform, external_id, name,
        ))  # fmt: skip
    form_page = await (await rig.client.get("/phien-live")).text()
    assert "một kho hàng chung cho tất cả các kênh" in form_page
    assert "riêng" not in form_page.split('id="live-channels"')[1].split("</fieldset>")[0]
    assert "Chuyển khoản trước, được hàng trước" in form_page
    fields = {k: v for k, v in _start_form(shop, csrf).items() if k != "channel"}
    data = [*fields.items(), *(("channel", str(c)) for c in channels)]
    data = [(k, "first_payment" if k == "hold_mode" else v) for k, v in data]
    answer = await rig.client.post("/phien-live/bat-dau", data=data)
    html = await answer.text()
    assert answer.status == 200 and "Buổi live đã bắt đầu." in html
    live = await db.fetchrow("SELECT id, hold_mode FROM lives WHERE title = $1", fields["title"])
    assert live["hold_mode"] == "first_payment"
    sessions = await db.fetch(
        "SELECT channel_id, status FROM live_sessions WHERE live_id = $1 ORDER BY channel_id",
        live["id"],
    )
    assert [(r["channel_id"], r["status"]) for r in sessions] == [(c, "live") for c in channels]
    stock = await db.fetch(
        "SELECT p.code, s.variant, s.quantity FROM live_stock s JOIN products p "
        "ON p.id = s.product_id WHERE s.live_id = $1 ORDER BY p.code", live["id"],
    )  # fmt: skip
    assert [tuple(r) for r in stock] == [("A01", "", 10), ("M02", "1l", 7), ("N01", "", 5)]
    for text in ("Trang Facebook", "Zalo OA", "TikTok LIVE", "Một kho hàng chung"):
        assert text in html, text
    assert "relay" not in html.split('id="live-channels"')[1].split("</ul>")[0]
    listed = await (await rig.client.get("/phien-live")).text()
    assert listed.count(f'href="/phien-live/{live["id"]}"') == 1  # the live once
    assert "Zalo OA · Zalo HTX" in listed and "TikTok LIVE · TikTok HTX" in listed
    stopped = await rig.client.post(f"/phien-live/{live['id']}/ket-thuc", data={"csrf": csrf})
    assert stopped.status == 200
    ended = await db.fetchval(
        "SELECT count(*) FROM live_sessions WHERE live_id = $1 AND status = 'ended'", live["id"]
    )
    assert ended == 3
