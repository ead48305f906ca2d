"""Webhook ack (issue 21, part 5): a delivery's record and its comments are written side by side,
and a 200 still means both are committed; a delivery that starts a live still applies the live
before its comments are read; forged and refused deliveries in the same burst are answered 4xx
and recorded."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient

from aggregator.settings import Settings
from tests.support.facebook import (
    app_client,
    comment_change,
    envelope,
    facebook_settings,
    signed_headers,
)
from tests.support.factories import Shop, seed_shop

URL = "/webhooks/facebook"
BURST = 40


async def post(client: TestClient[Any, Any], body: bytes, headers: dict[str, str]) -> int:
    async with client.post(URL, data=body, headers=headers) as response:
        await response.read()
        return response.status


def comment(shop: Shop, n: int) -> bytes:
    post_id = f"{shop.page_id}_{shop.live_id}"
    return envelope(shop.page_id, [comment_change(f"ack_{n}", post_id, "chốt A01", author=f"u{n}")])


async def test_every_acknowledged_delivery_of_a_burst_is_recorded_with_its_comment(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    shop = await seed_shop(db)
    bodies = [comment(shop, n) for n in range(BURST)]

    async def acknowledged_then_stored(client: TestClient[Any, Any], n: int) -> None:
        assert await post(client, bodies[n], signed_headers(bodies[n])) == 200
        # no drain: at the answer, the delivery and its comment are both committed
        async with pool.acquire() as conn:
            stored = await conn.fetchval(
                "SELECT count(*) FROM comments WHERE external_id = $1", f"ack_{n}"
            )
            recorded = await conn.fetchval(
                "SELECT count(*) FROM webhook_deliveries WHERE source = 'facebook' "
                "AND verified AND status = 'processed' AND body = $1",
                bodies[n],
            )
        assert (stored, recorded) == (1, 1)

    async def forged(client: TestClient[Any, Any], n: int) -> int:
        return await post(client, bodies[n], signed_headers(bodies[n], secret="not-the-secret"))

    async def unknown_page(client: TestClient[Any, Any], n: int) -> int:
        body = envelope("page-nobody-connected", [comment_change(f"x_{n}", "p_1", "chốt A01")])
        return await post(client, body, signed_headers(body))

    async with app_client(facebook_settings(settings)) as client:
        statuses = await asyncio.gather(
            *(acknowledged_then_stored(client, n) for n in range(BURST)),
            *(forged(client, n) for n in range(5)),
            *(unknown_page(client, n) for n in range(3)),
        )
        assert statuses[BURST:] == [403] * 5 + [404] * 3
        # the burst again: every one a recorded duplicate, no comment twice
        again = await asyncio.gather(*(post(client, b, signed_headers(b)) for b in bodies))
        assert again == [200] * BURST
    rows = await db.fetch(
        "SELECT status, verified, count(*) AS n FROM webhook_deliveries GROUP BY 1, 2"
    )
    assert {(r["status"], r["verified"]): r["n"] for r in rows} == {
        ("processed", True): BURST,
        ("duplicate", True): BURST,
        ("rejected", False): 5,  # forged: kept unverified, with their reason
        ("rejected", True): 3,  # signed, but for no connected Page
    }
    assert await db.fetchval("SELECT count(*) FROM comments") == BURST


async def test_a_delivery_that_starts_a_live_puts_its_comment_on_that_live(
    settings: Settings, db: asyncpg.Connection
) -> None:
    """The live's status is applied before the delivery's comments are read against the lives
    (this delivery is not written side by side with its comments)."""
    shop = await seed_shop(db)
    live = {"field": "live_videos", "value": {"id": "L7", "status": "live"}}
    first = comment_change("L7_1", f"{shop.page_id}_L7", "chốt A01", author="u7")
    body = envelope(shop.page_id, [live, first])
    async with app_client(facebook_settings(settings)) as client:
        assert await post(client, body, signed_headers(body)) == 200
    row = await db.fetchrow(
        "SELECT c.external_live_id, s.external_live_id AS session_live FROM comments c "
        "JOIN live_sessions s ON s.id = c.session_id WHERE c.external_id = 'L7_1'"
    )
    assert row is not None, "the comment did not join the live its own delivery started"
    assert (row["external_live_id"], row["session_live"]) == ("L7", "L7")
