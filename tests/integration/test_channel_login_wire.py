"""The login simulators answer with (at least) the keys of the platforms' published answers
(tests/fixtures/wire/facebook_login, zalo/login_*, tiktok/login_*, each citing its source)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from aggregator.settings import Settings
from connectors.simulators.zalo_login import s256
from connectors.tiktok.signature import sign_request
from tests.support.channel_login import FACEBOOK_APP_SECRET, LoginRig, login_rig
from tests.support.platforms import TIKTOK_APP_KEY, TIKTOK_APP_SECRET
from tests.support.wire import shape, wire_json


@pytest.fixture
async def rig(settings: Settings) -> AsyncIterator[LoginRig]:
    async with login_rig(settings) as running:
        yield running


def missing(published: Any, simulated: Any, at: str = "") -> list[str]:
    """Keys of the published answer the simulator's answer lacks, at every depth."""
    if isinstance(published, dict):
        if not isinstance(simulated, dict):
            return [at or "."]
        found = []
        for key, inner in published.items():
            if key not in simulated:
                found.append(f"{at}.{key}")
            else:
                found += missing(inner, simulated[key], f"{at}.{key}")
        return found
    if isinstance(published, list) and published:
        if not isinstance(simulated, list) or not simulated:
            return [at]
        return missing(published[0], simulated[0], at + "[]")
    return []


def assert_covers(folder: str, name: str, answer: dict[str, Any]) -> None:
    gaps = missing(shape(wire_json(folder, name)), shape(answer))
    assert not gaps, f"the simulator's answer lacks {gaps} of {folder}/{name}"


async def test_facebook_login_answers_have_the_published_keys(rig: LoginRig) -> None:
    graph, login = rig.settings.facebook_graph_url, rig.facebook.login
    login.codes["code-1"] = "https://chotdon.test/ve"
    base = {"client_id": login.app_id, "client_secret": FACEBOOK_APP_SECRET}
    params = {**base, "redirect_uri": "https://chotdon.test/ve", "code": "code-1"}
    async with rig.http.get(graph + "/oauth/access_token", params=params) as answer:
        short = await answer.json()
    assert_covers("facebook_login", "login_code_exchange", short)
    exchange = {
        **base,
        "grant_type": "fb_exchange_token",
        "fb_exchange_token": short["access_token"],
    }
    async with rig.http.get(graph + "/oauth/access_token", params=exchange) as answer:
        long = await answer.json()
    assert_covers("facebook_login", "login_long_lived", long)
    assert long["expires_in"] > short["expires_in"]
    me = {"access_token": long["access_token"], "fields": "id,name,access_token,tasks"}
    async with rig.http.get(graph + "/me/accounts", params=me) as answer:
        pages = await answer.json()
    assert_covers("facebook_login", "login_me_accounts", pages)
    page = pages["data"][0]
    subscribe = {
        "subscribed_fields": "feed,messages,live_videos",
        "access_token": page["access_token"],
    }
    async with rig.http.post(f"{graph}/{page['id']}/subscribed_apps", params=subscribe) as answer:
        assert_covers("facebook_login", "login_subscribed_apps", await answer.json())
    async with rig.http.get(graph + "/oauth/access_token", params=params) as answer:
        assert answer.status == 400  # a code works once


async def test_zalo_login_answers_have_the_published_keys(rig: LoginRig) -> None:
    oauth, login = rig.settings.zalo_oauth_url, rig.zalo.login
    login.codes["code-1"] = (login.oa_id, s256("v" * 43), time.time())
    form = {"code": "code-1", "app_id": rig.zalo.app_id, "grant_type": "authorization_code",
            "code_verifier": "v" * 43}  # fmt: skip
    async with rig.http.post(oauth + "/v4/oa/access_token", data=form,
                             headers={"secret_key": rig.zalo.app_secret}) as answer:  # fmt: skip
        tokens = await answer.json()
    assert_covers("zalo", "login_access_token", tokens)
    getoa = rig.settings.zalo_openapi_url + "/v2.0/oa/getoa"
    async with rig.http.get(getoa, headers={"access_token": tokens["access_token"]}) as answer:
        assert_covers("zalo", "login_getoa", await answer.json())


async def test_tiktok_login_answers_have_the_published_keys(rig: LoginRig) -> None:
    auth, login = rig.settings.tiktok_auth_url, rig.tiktok.login
    login.codes["ROW_code"] = time.time()
    params = {"app_key": TIKTOK_APP_KEY, "app_secret": TIKTOK_APP_SECRET, "auth_code": "ROW_code",
              "grant_type": "authorized_code"}  # fmt: skip
    async with rig.http.get(auth + "/api/v2/token/get", params=params) as answer:
        tokens = await answer.json()
    assert_covers("tiktok", "login_token_get", tokens)
    path = "/authorization/202309/shops"
    query = {"app_key": TIKTOK_APP_KEY, "timestamp": str(int(time.time()))}
    query["sign"] = sign_request(TIKTOK_APP_SECRET.encode(), path, query, b"")
    headers = {"x-tts-access-token": tokens["data"]["access_token"]}
    async with rig.http.get(rig.settings.tiktok_api_url + path, params=query,
                            headers=headers) as answer:  # fmt: skip
        assert_covers("tiktok", "login_authorized_shops", await answer.json())
