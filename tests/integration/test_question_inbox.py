"""The inbox of buyers' questions against real Postgres and Redis: questions filed after the
merge, the common ones answered privately once per buyer, kind and live; staff answer in one
tap within Facebook's rules and mark done; the director's switches and wording per live."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from arq.connections import ArqRedis

from aggregator.confirmation.messages import MessageKind, send_order_message
from aggregator.ingest.pipeline import Ingestor
from aggregator.orders.merge import merge_session
from aggregator.questions.filing import file_session
from aggregator.runtime import jobs
from aggregator.settings import Settings
from aggregator.web.app import create_app
from schema.enums import Platform, StaffRole
from schema.queries import query
from tests.support.confirmation import confirmation_settings
from tests.support.factories import LiveChannel, Shop, add_channel, seed_shop
from tests.support.staff import add_staff, log_in
from workers.context import PG_POOL, SETTINGS, outbound_routers
from workers.order_jobs import merge_session_job
from workers.question_jobs import file_questions_job, sweep_questions_job

Client = TestClient  # type: ignore[type-arg]


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_app(settings))) as test_client:
        yield test_client


async def _asked(
    pool: asyncpg.Pool, arq: ArqRedis, shop: Shop | LiveChannel, *texts: tuple[str, str]
) -> None:
    async with Ingestor(pool, arq) as ingestor:
        await ingestor.submit_many([shop.comment(text, author) for text, author in texts])
    await merge_session(pool, shop.session_id)
    await file_session(pool, arq, shop.session_id)


async def _item(db: asyncpg.Connection, body: str) -> asyncpg.Record:
    row = await db.fetchrow(
        "SELECT i.* FROM inbox_items i JOIN comments c ON c.id = i.comment_id WHERE c.body = $1",
        body,
    )
    assert row is not None
    return row


async def test_common_questions_are_answered_privately_once_per_buyer_kind_and_live(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db, stock={"A01": 12, "B01": 0})
    await _asked(
        pool, arq_pool, shop,
        ("A01 giá bao nhiêu ạ", "lan"), ("st25 giá sao shop", "lan"),
        ("ship về Nghệ An mấy ngày", "lan"), ("bánh cáy còn không ạ", "minh"),
        ("mua 5 túi A01 có được giảm giá không", "minh"), ("chốt A01 2 túi", "hoa"),
    )  # fmt: skip
    items = await db.fetch("SELECT kind, status FROM inbox_items ORDER BY id")
    assert [(i["kind"], i["status"]) for i in items] == [
        ("price", "auto_answered"),
        ("price", "open"),
        ("shipping", "auto_answered"),
        ("stock", "auto_answered"),
        ("other", "open"),
    ]  # fmt: skip  (the order is not in the inbox; the second price question stays for a person)
    sent = await db.fetch(
        "SELECT m.kind, m.body, m.target, m.status FROM auto_answers a "
        "JOIN outbound_messages m ON m.id = a.outbound_message_id ORDER BY a.id"
    )
    assert [m["kind"] for m in sent] == ["facebook.private_reply"] * 3
    assert "180.000" in sent[0]["body"] and "Gạo ST25" in sent[0]["body"]
    assert "Nghệ An" in sent[1]["body"] and "3–5 ngày" in sent[1]["body"]
    assert "hết hàng" in sent[2]["body"]
    first = await _item(db, "A01 giá bao nhiêu ạ")
    comment = await db.fetchval(
        "SELECT external_id FROM comments WHERE id = $1", first["comment_id"]
    )
    assert sent[0]["target"] == {"comment_id": comment}  # private, to the question's own comment
    # Filing again (a retried job, the sweeper) files and sends nothing more.
    again = await file_session(pool, arq_pool, shop.session_id)
    assert (again.filed, again.auto_answered) == (0, 0)
    assert await db.fetchval("SELECT count(*) FROM outbound_messages") == 3


async def test_staff_answer_in_one_tap_within_facebook_rules_and_mark_done(
    client: Client, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db, stock={"A01": 12})
    await _asked(pool, arq_pool, shop, ("mua 5 túi A01 có được giảm giá không", "minh"),
                 ("chốt A01 1 túi", "minh"), ("sđt 0981234111 tư vấn giúp em", "hoa"))  # fmt: skip
    item = await _item(db, "mua 5 túi A01 có được giảm giá không")
    staff_id, login = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    csrf = await log_in(client, login)
    page = await (await client.get(f"/hop-thu?phien={shop.live}")).text()
    assert "mua 5 túi A01 có được giảm giá không" in page and "Câu hỏi khác" in page
    assert "0981234111" not in page and "********11 tư vấn giúp em" in page  # phone masked
    order_no = await db.fetchval("SELECT order_no FROM orders")
    assert order_no in page  # the buyer's order beside the question
    path = f"/hop-thu/{item['id']}/tra-loi"
    assert (await client.post(path, data={"answer": "Dạ được ạ"})).status == 403  # no CSRF
    empty = await client.post(path, data={"csrf": csrf, "answer": "  "})
    assert empty.status == 422 and "Hãy viết câu trả lời" in await empty.text()
    reply = "Dạ mua 5 túi shop giảm 5% ạ"
    done = await client.post(path, data={"csrf": csrf, "answer": reply}, allow_redirects=False)
    assert done.status == 303
    row = await db.fetchrow(
        "SELECT i.status, i.answered_by, m.kind, m.body FROM inbox_items i "
        "JOIN outbound_messages m ON m.id = i.outbound_message_id WHERE i.id = $1",
        item["id"],
    )
    assert (row["status"], row["answered_by"], row["kind"], row["body"]) == (
        "answered", staff_id, "facebook.private_reply", reply)  # fmt: skip
    # The platform refuses the answer: the question is back among the open ones, saying so.
    await db.execute("UPDATE outbound_messages SET status = 'failed' WHERE body = $1", reply)
    again = await (await client.get("/hop-thu")).text()
    assert f'id="item-{item["id"]}"' in again and "nền tảng không nhận" in again
    # Facebook allows one private reply per comment; no Messenger window is open.
    second = await client.post(path, data={"csrf": csrf, "answer": "Thêm nữa ạ"})
    assert second.status == 422 and "chỉ cho một lần" in await second.text()
    finished = await client.post(f"/hop-thu/{item['id']}/xong", data={"csrf": csrf},
                                 allow_redirects=False)  # fmt: skip
    assert finished.status == 303
    assert await db.fetchval("SELECT status FROM inbox_items WHERE id = $1", item["id"]) == "done"
    # Another cooperative's staff cannot see or answer it.
    other = await seed_shop(db, slug="htx-khac")
    _, other_login = await add_staff(db, other.tenant_id, StaffRole.STAFF)
    await client.post("/dang-xuat", data={"csrf": csrf})
    other_csrf = await log_in(client, other_login)
    assert "giảm giá" not in await (await client.get("/hop-thu?xem=xong")).text()
    denied = await client.post(path, data={"csrf": other_csrf, "answer": "x"})
    assert denied.status == 404


async def test_director_switches_a_kind_off_per_live_and_edits_the_wording(
    client: Client, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db, stock={"A01": 12, "N01": 5})
    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    csrf = await log_in(client, login)
    path = f"/phien-live/{shop.live}/tra-loi-tu-dong"
    page = await (await client.get(path)).text()
    assert "Giá" in page and "{giá}" in page
    # What a buyer would receive, from this live's own data, with the wording as it stands.
    assert "khách hỏi “A01 giá bao nhiêu ạ”" in page and "Gạo ST25 túi 5kg giá 180.000 ₫" in page
    form = {"csrf": csrf, "on-stock": "on", "on-shipping": "on", "on-payment": "on",
            "on-origin": "on", "on-variants": "on"}  # fmt: skip
    for kind in ("price", "stock", "variants", "origin", "shipping", "payment"):
        form[f"wording-{kind}"] = "Dạ ạ"
    form["wording-stock"], form["wording-price"] = "Dạ {sản phẩm} {còn hàng} nha", "Giá {gia} ạ"
    bad = await client.post(path, data={**form, "wording-price": "Giá {gia_ban}"})
    assert bad.status == 422 and "{gia_ban}" in await bad.text()
    saved = await client.post(path, data=form, allow_redirects=False)
    assert saved.status == 303
    await _asked(pool, arq_pool, shop, ("A01 giá bao nhiêu", "lan"), ("nem chua còn ko", "lan"))
    assert (await _item(db, "A01 giá bao nhiêu"))["status"] == "open"  # price is off here
    body = await db.fetchval("SELECT body FROM auto_answers WHERE kind = 'stock'")
    assert body == "Dạ Nem chua Thanh Hóa còn 5 nha"
    # The price question waits for a person, with chotdon's answer ready to send in one tap.
    inbox = await (await client.get(f"/hop-thu?phien={shop.live}")).text()
    assert "Giá 180.000 ₫ ạ</textarea>" in inbox
    staff_page = await client.get(path.replace(str(shop.live), str(shop.live + 999)))
    assert staff_page.status == 404


async def test_zalo_gets_an_oa_message_and_tiktok_is_answered_in_its_own_app(
    client: Client, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db, stock={"A01": 12})
    zalo = await add_channel(db, shop, Platform.ZALO)
    tiktok = await add_channel(db, shop, Platform.RELAY)
    await _asked(pool, arq_pool, zalo, ("A01 giá bao nhiêu ạ", "zalo-user-1"))
    await _asked(pool, arq_pool, tiktok, ("A01 giá bao nhiêu ạ", "tiktok-user-1"))
    message = await db.fetchrow(
        "SELECT m.kind, m.target, m.body FROM auto_answers a "
        "JOIN outbound_messages m ON m.id = a.outbound_message_id"
    )
    assert message["kind"] == "zalo.cs_message" and message["target"] == {"user_id": "zalo-user-1"}
    assert "180.000" in message["body"]
    relayed = await db.fetchrow(
        "SELECT id, status FROM inbox_items WHERE author_external_id = 'tiktok-user-1'"
    )
    assert relayed["status"] == "open"  # no way to write to a TikTok live commenter
    _, login = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    csrf = await log_in(client, login)
    refused = await client.post(
        f"/hop-thu/{relayed['id']}/tra-loi", data={"csrf": csrf, "answer": "Dạ 180 nghìn ạ"}
    )
    assert refused.status == 422 and "trả lời trong ứng dụng" in await refused.text()
    assert await db.fetchval("SELECT count(*) FROM outbound_messages") == 1


async def test_a_merge_with_a_question_queues_one_filing_and_the_sweeper_finds_what_was_lost(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db, stock={"A01": 12})
    ctx = {SETTINGS: settings, PG_POOL: pool, "redis": arq_pool}
    async with Ingestor(pool, arq_pool) as ingestor:
        await ingestor.submit_many([shop.comment("chốt A01", "minh")])
    await arq_pool.flushdb()
    await merge_session_job(ctx, shop.session_id)
    assert jobs.FILE_QUESTIONS not in {j.function for j in await arq_pool.queued_jobs()}
    async with Ingestor(pool, arq_pool) as ingestor:
        await ingestor.submit_many([shop.comment("A01 còn không ạ", "lan")])
    await arq_pool.flushdb()
    await merge_session_job(ctx, shop.session_id)
    queued = [j for j in await arq_pool.queued_jobs() if j.function == jobs.FILE_QUESTIONS]
    assert [list(j.args) for j in queued] == [[shop.session_id]]
    # Redis lost the job. A later round without a question looks only at its own comments: the
    # question left behind is not its to queue again...
    await arq_pool.flushdb()
    async with Ingestor(pool, arq_pool) as ingestor:
        await ingestor.submit_many([shop.comment("chốt A01 x2", "hoa")])
    await merge_session_job(ctx, shop.session_id)
    assert jobs.FILE_QUESTIONS not in {j.function for j in await arq_pool.queued_jobs()}
    # ...the sweeper sees the live's unfiled question and queues it again.
    await arq_pool.flushdb()
    assert await sweep_questions_job(ctx) == 1
    assert await file_questions_job(ctx, shop.session_id) == 1
    assert await sweep_questions_job(ctx) == 0


async def test_a_messenger_question_is_answered_in_messenger_within_its_window(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db, stock={"A01": 12})
    messages = [
        shop.comment(text, psid).model_copy(update={"external_live_id": None, "external_id": mid})
        for text, psid, mid in (("shop ơi A01 còn không", "psid-7", "m_question_1"),
                                ("chào shop", "psid-8", "m_hello"))
    ]  # fmt: skip
    async with Ingestor(pool, arq_pool) as ingestor:
        await ingestor.submit_many(messages)
    await merge_session(pool, shop.session_id)
    await file_session(pool, arq_pool, shop.session_id)
    sent = await db.fetchrow(
        "SELECT m.kind, m.target, m.body FROM auto_answers a "
        "JOIN outbound_messages m ON m.id = a.outbound_message_id"
    )
    assert sent["kind"] == "facebook.message" and "còn 12" in sent["body"]
    assert sent["target"] == {"psid": "psid-7", "messaging_type": "RESPONSE"}
    # A Messenger message that is not a question still reaches the inbox, for a person.
    hello = await _item(db, "chào shop")
    assert (hello["kind"], hello["status"]) == ("message", "open")


async def test_an_answer_never_takes_the_orders_private_reply(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    """A buyer orders and asks in the same burst: the question is answered first, and the
    order's summary is still the private reply to the comment that opened the order."""
    shop = await seed_shop(db, stock={"A01": 12})
    await _asked(pool, arq_pool, shop, ("chốt A01 2 túi", "lan"),
                 ("ship về Nghệ An mấy ngày", "lan"))  # fmt: skip
    order_id = await db.fetchval("SELECT id FROM orders")
    own = confirmation_settings(settings)
    await send_order_message(pool, arq_pool, own, outbound_routers(), order_id, MessageKind.SUMMARY)
    rows = await db.fetch(
        "SELECT m.kind, m.order_id, c.body FROM outbound_messages m "
        "JOIN comments c ON c.external_id = m.target ->> 'comment_id' ORDER BY m.id"
    )
    assert [(r["kind"], r["order_id"], r["body"]) for r in rows] == [
        ("facebook.private_reply", None, "ship về Nghệ An mấy ngày"),
        ("facebook.private_reply", order_id, "chốt A01 2 túi"),
    ]
    row = await db.fetchrow(query("inbox_page"), shop.tenant_id, None, ["auto_answered"], 10)
    assert row["order_id"] == order_id  # the inbox still shows the order beside the question
