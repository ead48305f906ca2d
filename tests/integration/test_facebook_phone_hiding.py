"""A public Facebook comment is hidden when the parser finds a phone number in it, whichever way
it arrives (Page webhook or the live's stream and poller), and not for other numbers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import aiohttp
import asyncpg
from aiohttp.test_utils import TestServer

from aggregator.core.parser import find_phone
from aggregator.ingest.catalogs import CatalogCache
from aggregator.ingest.pipeline import Ingestor
from aggregator.ingest.store import store_batch
from aggregator.platforms.facebook.follower import LiveFollower, PullConfig, Wiring
from aggregator.platforms.facebook.pages import load_pages
from aggregator.settings import Settings
from aggregator.web.keys import INGESTOR
from connectors.facebook.graph import GraphClient
from connectors.simulators.facebook import create_simulator
from connectors.simulators.facebook_live import FacebookState, SimComment
from tests.support.facebook import (
    app_client,
    comment_change,
    envelope,
    facebook_settings,
    signed_headers,
)
from tests.support.factories import seed_shop

# comment id suffix -> text; the log-masking pattern would miss the first two phones
TEXTS = {
    "dots": "chốt A01 sdt 0912 . 345 . 678",
    "spaces": "e lấy 2 hộp, số e 0912  345  678",
    "plain": "chốt A01 0987654321",
    "price": "chốt A01 giá 150000",
    "year": "mật ong năm 2025 còn ko shop",
}
SHOWING_A_PHONE = {"dots", "spaces", "plain"}


async def hidden(db: asyncpg.Connection) -> set[str]:
    rows = await db.fetch(
        "SELECT target FROM outbound_messages WHERE kind = 'facebook.hide_comment'"
    )
    return {str(r["target"]["comment_id"]).rsplit("_", 1)[-1] for r in rows}


async def test_a_webhook_comment_is_hidden_when_the_parser_finds_a_phone(
    settings: Settings, db: asyncpg.Connection, arq_pool: Any
) -> None:
    shop = await seed_shop(db)
    post_id = f"{shop.page_id}_{shop.live_id}"
    changes = [comment_change(f"{shop.live_id}_{k}", post_id, t) for k, t in TEXTS.items()]
    body = envelope(shop.page_id, changes)
    async with app_client(facebook_settings(settings)) as client:
        async with client.post("/webhooks/facebook", data=body, headers=signed_headers(body)) as r:
            assert r.status == 200
        await client.app[INGESTOR].drain()
    assert await db.fetchval("SELECT count(*) FROM comments") == len(TEXTS)
    assert await hidden(db) == SHOWING_A_PHONE


async def test_a_pulled_comment_is_hidden_when_the_parser_finds_a_phone(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: Any
) -> None:
    shop = await seed_shop(db)
    state = FacebookState()
    state.add_page(shop.page_id, "page-token")
    live = state.add_live(shop.page_id, shop.live_id)
    now = datetime.now(UTC)
    live.append(
        [SimComment(f"{live.video_id}_{k}", "u1", "Khách", t, now) for k, t in TEXTS.items()]
    )
    server = TestServer(create_simulator(state))
    await server.start_server()
    base = str(server.make_url("/")).rstrip("/")
    config = PullConfig(graph_url=f"{base}/v21.0", streaming_url=f"{base}/streaming")
    page = (await load_pages(pool))[shop.page_id]
    try:
        async with aiohttp.ClientSession() as http, Ingestor(pool, arq_pool) as ingestor:
            wiring = Wiring(pool, arq_pool, ingestor, http, GraphClient(http, config.graph_url),
                            config)  # fmt: skip
            follower = LiveFollower(wiring, page, "page-token", shop.session_id, shop.live_id)
            stop = asyncio.Event()
            stop.set()  # one last poll of the comments edge, as when a live ends
            await follower.run(stop)
    finally:
        await server.close()
    assert follower.submitted == len(TEXTS)
    assert await hidden(db) == SHOWING_A_PHONE


async def test_the_webhook_asks_the_store_reading_which_is_find_phones(
    db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    """The webhook decides from the phone the store read (no second reading of the text): that
    reading is find_phone's for every text, and a comment the store did not read (an unknown
    Page) is not in it, so the webhook reads that one itself."""
    shop = await seed_shop(db)
    events = [shop.comment(text, "u1", cid=k) for k, text in TEXTS.items()]
    stranger = events[0].model_copy(update={"channel_external_id": "unknown-page"})
    result = await store_batch(pool, CatalogCache(), [*events, stranger])
    assert result.phones == {
        ("facebook", shop.page_id, k, text): find_phone(text) for k, text in TEXTS.items()
    }
    assert {k for (_, _, k, _), phone in result.phones.items() if phone} == SHOWING_A_PHONE
