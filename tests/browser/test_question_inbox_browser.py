"""The inbox on a 360 × 740 phone: a question waits with chotdon's answer ready, one tap sends it
privately, nothing scrolls sideways; the director's automatic-answer page fits too."""

from __future__ import annotations

from typing import Any

import asyncpg
from aiohttp.test_utils import TestServer
from arq.connections import ArqRedis

from aggregator.ingest.pipeline import Ingestor
from aggregator.orders.merge import merge_session
from aggregator.questions.filing import file_session
from aggregator.settings import Settings
from aggregator.web.app import create_app
from schema.enums import StaffRole
from tests.support.browser import fits_the_phone, log_in, shot
from tests.support.factories import seed_shop
from tests.support.staff import add_staff


async def test_one_tap_answer_on_a_phone(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis,
    staff_browser: Any,
) -> None:  # fmt: skip
    shop = await seed_shop(db, stock={"A01": 12})
    await db.execute(
        "INSERT INTO live_answer_switches (tenant_id, live_id, kind, enabled) "
        "VALUES ($1, $2, 'price', false)", shop.tenant_id, shop.live,
    )  # fmt: skip
    long_question = "shop ơi cho em hỏi gạo st25 túi 5kg giá bao nhiêu vậy ạ " * 3
    async with Ingestor(pool, arq_pool) as ingestor:
        await ingestor.submit_many([shop.comment(long_question.strip(), "lan"),
                                    shop.comment("chốt A01 2 túi", "lan")])  # fmt: skip
    await merge_session(pool, shop.session_id)
    await file_session(pool, arq_pool, shop.session_id)
    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    server = TestServer(create_app(settings))
    await server.start_server()
    try:
        base = str(server.make_url("")).rstrip("/")
        page = staff_browser
        await log_in(page, base, login)
        await page.goto(f"{base}/hop-thu")
        assert "180.000" in await page.input_value(".answer-form textarea")
        assert "Khách chưa có đơn" not in await page.inner_text(".order-beside")
        await fits_the_phone(page)
        await shot(page, "inbox-1-question")
        async with page.expect_navigation():
            await page.click(".answer-form button")
        assert "Đã gửi" in await page.inner_text("#notice")
        await page.goto(f"{base}/phien-live/{shop.live}/tra-loi-tu-dong")
        await fits_the_phone(page)
        await shot(page, "inbox-2-auto-answers")
    finally:
        await server.close()
    row = await db.fetchrow(
        "SELECT i.status, m.kind, m.body FROM inbox_items i "
        "JOIN outbound_messages m ON m.id = i.outbound_message_id"
    )
    assert row["status"] == "answered" and row["kind"] == "facebook.private_reply"
    assert "180.000" in row["body"]
