"""The platforms of the demo: local fakes of Facebook's Graph API and Zalo's OA API, and the
secrets a real deployment would hold, wired into chotdon exactly like production.

The web app and the worker get the simulators' URLs and the app secrets as ordinary CHOTDON_*
settings; the demo's channels get sealed credentials (a Page token, an OA token, the relay's
secret for the TikTok LIVE bridge). Comments then reach chotdon only through its signed webhooks
and relay (see aggregator/tools/senders.py), and buyer messages leave through the platforms' send
APIs into these simulators, where the demo's buyers read their confirmation links.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import asyncpg
from aiohttp import web
from pydantic import SecretStr

from aggregator.channels.directory import connect_channel
from aggregator.credentials.cipher import seal_json
from aggregator.credentials.keyring import credential_cipher
from aggregator.platforms.facebook.tokens import connect_page
from aggregator.settings import Settings
from aggregator.tools.demo.seed import CHANNEL_SETTINGS, CHANNELS, DemoLives
from aggregator.tools.local_server import serve_locally
from aggregator.tools.login_sims import login_environment
from connectors.simulators.facebook import create_simulator
from connectors.simulators.facebook_live import FacebookState
from connectors.simulators.zalo import ZaloState, create_app as create_zalo_simulator
from schema.enums import Platform

ZALO_APP_ID = "demo-zalo-app"


@dataclass
class DemoPlatforms:
    """Simulators and secrets; one per demo run (secrets are new each run, channels resealed)."""

    facebook: FacebookState = field(default_factory=FacebookState)
    zalo: ZaloState = field(
        default_factory=lambda: ZaloState(ZALO_APP_ID, secrets.token_urlsafe(16))
    )
    app_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    facebook_app_secret: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    relay_secret: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    page_token: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    graph_url: str = ""
    zalo_url: str = ""
    _runners: list[web.AppRunner] = field(default_factory=list)

    async def start(self) -> None:
        facebook, self.graph_url = await serve_locally(create_simulator(self.facebook))
        zalo, self.zalo_url = await serve_locally(create_zalo_simulator(self.zalo))
        self.graph_url += "/v21.0"
        self._runners = [facebook, zalo]

    async def stop(self) -> None:
        for runner in self._runners:
            await runner.cleanup()

    def environment(self) -> dict[str, str]:
        """The settings that point chotdon at the simulators, as environment variables."""
        return {
            "CHOTDON_APP_SECRET": self.app_secret,
            "CHOTDON_FACEBOOK_APP_SECRET": self.facebook_app_secret,
            "CHOTDON_FACEBOOK_GRAPH_URL": self.graph_url,
            "CHOTDON_ZALO_APP_ID": ZALO_APP_ID,
            "CHOTDON_ZALO_OA_SECRET_KEY": self.zalo.secret,
            "CHOTDON_ZALO_OPENAPI_URL": self.zalo_url,
            # The demo's live lasts a minute, not an hour: buyers hear back within seconds.
            "CHOTDON_BUYER_MESSAGE_DELAY_S": os.environ.get("CHOTDON_BUYER_MESSAGE_DELAY_S", "2"),
            **login_environment(self.graph_url, self.zalo_url, self.facebook, self.zalo),
        }

    def settings(self, base: Settings) -> Settings:
        """`base` with this run's secrets, for sealing the channels' credentials."""
        return base.model_copy(update={"app_secret": SecretStr(self.app_secret)})

    async def connect(self, pool: asyncpg.Pool, base: Settings, lives: DemoLives) -> None:
        """Give the demo's channels this run's credentials, as a director connecting them does."""
        settings, tenant_id = self.settings(base), lives.tenant_id
        _, page, page_name = CHANNELS[Platform.FACEBOOK]
        token = credential_cipher(settings, Platform.FACEBOOK)
        await connect_page(pool, token, tenant_id, page, page_name, self.page_token)
        self.facebook.add_page(page, self.page_token)
        self.facebook.add_live(page, lives.targets[Platform.FACEBOOK].external_live_id or "")
        _, oa, oa_name = CHANNELS[Platform.ZALO]
        access, refresh = self.zalo.issue_tokens(oa)
        tokens = {"access_token": access, "refresh_token": refresh}
        sealed = seal_json(credential_cipher(settings, Platform.ZALO), tokens)
        await connect_channel(pool, Platform.ZALO, tenant_id, oa, oa_name, sealed)
        _, bridge, bridge_name = CHANNELS[Platform.TIKTOK]
        secret = credential_cipher(settings, Platform.RELAY).encrypt(self.relay_secret)
        await connect_channel(
            pool,
            Platform.RELAY,
            tenant_id,
            bridge,
            bridge_name,
            secret,
            CHANNEL_SETTINGS[Platform.TIKTOK],
        )


@contextlib.asynccontextmanager
async def demo_platforms() -> AsyncIterator[DemoPlatforms]:
    platforms = DemoPlatforms()
    await platforms.start()
    try:
        yield platforms
    finally:
        await platforms.stop()
