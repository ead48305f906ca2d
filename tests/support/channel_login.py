"""The three platform simulators with their login screens, settings pointing chotdon at them, and
a browser-like walk through a login: chotdon's link → the platform's consent → the callback."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from aggregator.settings import Settings
from connectors.simulators import tiktok as tiktok_sim, zalo as zalo_sim
from connectors.simulators.facebook import create_simulator
from connectors.simulators.facebook_live import FacebookState
from tests.support.platforms import (
    TIKTOK_APP_KEY,
    TIKTOK_APP_SECRET,
    ZALO_APP_ID,
    ZALO_OA_SECRET,
    platform_settings,
)

PUBLIC_URL = "http://chotdon.htx-vuthu.test"  # http: the test client sends no Secure cookie
FACEBOOK_APP_SECRET = "facebook-app-secret-for-tests"


@dataclass
class LoginRig:
    facebook: FacebookState
    zalo: zalo_sim.ZaloState
    tiktok: tiktok_sim.TikTokState
    settings: Settings
    http: aiohttp.ClientSession


@contextlib.asynccontextmanager
async def login_rig(settings: Settings, public_url: str = PUBLIC_URL) -> AsyncIterator[LoginRig]:
    facebook = FacebookState()
    facebook.login.app_id, facebook.login.app_secret = "fb-app-1", FACEBOOK_APP_SECRET
    zalo = zalo_sim.ZaloState(ZALO_APP_ID, ZALO_OA_SECRET)
    tiktok = tiktok_sim.TikTokState(TIKTOK_APP_KEY, TIKTOK_APP_SECRET)
    tiktok.login.redirect_url = public_url + "/cai-dat/kenh/tiktok/ve"
    servers = [
        TestServer(create_simulator(facebook)), TestServer(zalo_sim.create_app(zalo)),
        TestServer(tiktok_sim.create_app(tiktok)),
    ]  # fmt: skip
    for server in servers:
        await server.start_server()
    fb, za, tt = (str(s.make_url("")).rstrip("/") for s in servers)
    configured = platform_settings(
        settings, public_url=public_url, facebook_app_id="fb-app-1",
        facebook_app_secret=SecretStr(FACEBOOK_APP_SECRET), facebook_login_config_id="cfg-1",
        facebook_graph_url=fb + "/v21.0", facebook_dialog_url=fb + "/v21.0/dialog/oauth",
        zalo_app_secret=SecretStr(zalo.app_secret), zalo_oauth_url=za, zalo_openapi_url=za,
        tiktok_service_id=tiktok.login.service_id, tiktok_authorize_url=tt + "/open/authorize",
        tiktok_auth_url=tt, tiktok_api_url=tt,
    )  # fmt: skip
    try:
        async with aiohttp.ClientSession() as http:
            yield LoginRig(facebook, zalo, tiktok, configured, http)
    finally:
        for server in servers:
            await server.close()


def consent_fields(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))


async def walk_login(
    client: TestClient,  # type: ignore[type-arg]
    http: aiohttp.ClientSession,
    platform: str,
    decision: str = "allow",
) -> aiohttp.ClientResponse:
    """Tap "Kết nối …", consent at the simulator, come back: chotdon's answer to the callback."""
    start = await client.get(f"/cai-dat/kenh/{platform}/ket-noi", allow_redirects=False)
    assert start.status == 303, await start.text()
    dialog_url = start.headers["Location"]
    async with http.get(dialog_url) as screen:
        assert screen.status == 200, await screen.text()
        form = consent_fields(await screen.text())
    action = dialog_url.split("?")[0] + "/sim-consent"
    async with http.post(action, data={**form, "decision": decision},
                         allow_redirects=False) as back:  # fmt: skip
        if back.status != 302:
            raise AssertionError(f"the simulator did not redirect: {await back.text()}")
        location = back.headers["Location"]
    assert location.startswith(PUBLIC_URL), location
    parts = urlsplit(location)
    return await client.get(f"{parts.path}?{parts.query}", allow_redirects=False)
