"""A director on a 360 px phone connects a Facebook Page, a Zalo OA and a TikTok shop through their
login screens (the simulators'), in a real browser: no token is typed, nothing scrolls sideways."""

from __future__ import annotations

import socket
from typing import Any

import asyncpg
from aiohttp.test_utils import TestServer

from aggregator.settings import Settings
from aggregator.web.app import create_app
from schema.enums import StaffRole
from tests.support.browser import fits_the_phone, log_in, shot
from tests.support.channel_login import login_rig
from tests.support.factories import seed_shop
from tests.support.staff import add_staff


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _connect(page: Any, base: str, platform: str) -> str:
    """Tap "Kết nối …", allow at the platform's screen; the result line chotdon shows."""
    await page.goto(f"{base}/cai-dat/kenh")
    async with page.expect_navigation():
        await page.click(f"#connect-{platform}")
    assert "(giả lập)" in await page.title()
    async with page.expect_navigation():
        await page.click("#sim-allow")
    if platform == "facebook":
        await fits_the_phone(page)
        await shot(page, "channels-2-pick-pages")
        async with page.expect_navigation():
            await page.click("#pick-pages")
    text: str = await page.inner_text("#login-result")
    return text


async def test_a_director_connects_three_channels_by_logging_in_on_a_phone(
    settings: Settings, db: asyncpg.Connection, director_browser: Any
) -> None:
    shop = await seed_shop(db)
    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    async with login_rig(settings, public_url=base) as rig:
        server = TestServer(create_app(rig.settings), host="127.0.0.1", port=port)
        await server.start_server()
        try:
            page = director_browser
            await log_in(page, base, login)
            await page.goto(f"{base}/cai-dat/kenh")
            await fits_the_phone(page)
            await shot(page, "channels-1-connect")
            assert "Đã kết nối Facebook" in await _connect(page, base, "facebook")
            assert "Đã kết nối Zalo OA" in await _connect(page, base, "zalo")
            assert "Đã kết nối TikTok Shop" in await _connect(page, base, "tiktok")
            await fits_the_phone(page)
            await shot(page, "channels-3-connected")
            listed = await page.inner_text("#login-channels")
            for name in (*(n for _, n in rig.facebook.login.pages), rig.zalo.login.oa_name,
                         rig.tiktok.login.shops[0][1]):  # fmt: skip
                assert name in listed

            # the TikTok login runs out in 2 days: the dashboard offers one tap to renew it
            await db.execute(
                "UPDATE channels SET settings = settings || jsonb_build_object('reconnect_by', "
                "extract(epoch FROM now())::bigint + 2 * 86400 + 600) WHERE platform = 'tiktok' "
                "AND tenant_id = $1", shop.tenant_id,
            )  # fmt: skip
            await page.goto(f"{base}/bang-dieu-khien")
            await fits_the_phone(page)
            await shot(page, "channels-4-dashboard-reconnect")
            async with page.expect_navigation():
                await page.click("#channel-alerts a.reconnect")
            assert "TikTok Shop (giả lập)" in await page.title()
        finally:
            await server.close()
    platforms = await db.fetch(
        "SELECT platform, count(*) FROM channels WHERE tenant_id = $1 AND "
        "credentials_encrypted IS NOT NULL GROUP BY platform ORDER BY platform",
        shop.tenant_id,
    )
    assert [(r["platform"], r["count"]) for r in platforms] == [
        ("facebook", 2), ("tiktok", 1), ("zalo", 1)
    ]  # fmt: skip
