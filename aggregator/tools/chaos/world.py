"""The world of a chaos run: cooperatives, channels and lives in Postgres, and the simulators of
Facebook, Zalo and the couriers serving on local ports, wired to chotdon by ordinary settings.

Lives run on three channels at once, as a cooperative's evening does: each broadcast is one live
(one stock pool, one waitlist) on a Facebook Page, a TikTok LIVE relay source (comments through the
signed relay, as a bridge posts them) and a Zalo OA of one cooperative. Each cooperative ships by
its own courier, GHN, GHTK and Viettel Post in turn. A `Live` here is one channel of a broadcast
(what a platform plays); every channel is its own, so "the live on air" of a relay or Zalo channel
is that broadcast.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import asyncpg

from aggregator.channels.directory import connect_channel
from aggregator.credentials.cipher import seal_json
from aggregator.credentials.keyring import credential_cipher
from aggregator.platforms.facebook.tokens import connect_page
from aggregator.runtime.db import Connection
from aggregator.settings import Settings
from aggregator.tools.demo.couriers import DemoCouriers, demo_couriers
from aggregator.tools.local_server import serve_locally
from connectors.simulators import facebook as fb_sim, zalo as zalo_sim
from connectors.simulators.facebook_live import FacebookState, SimConfig
from schema.enums import Courier, Platform

PRODUCTS = [  # code, name, aliases, price; N01 is scarce, so buyers also queue on waitlists
    ("A01", "Gạo ST25 túi 5kg", ["st25", "gạo st25"], 180_000),
    ("M02", "Mật ong hoa nhãn", ["mật ong", "mật ong nhãn"], 150_000),
    ("N01", "Nem chua Thanh Hóa", ["nem chua", "nem"], 60_000),
    ("B01", "Bánh cáy Thái Bình", ["bánh cáy"], 45_000),
]
PLENTY = 1_000_000
PLATFORMS = (Platform.FACEBOOK, Platform.RELAY, Platform.ZALO)  # the channels of each broadcast
COURIERS = (Courier.GHN, Courier.GHTK, Courier.VIETTELPOST)
SENDER = {"name": "HTX Chaos", "phone": "0912000111", "address": "Thôn Đông, xã Vũ Hội",
          "ward": "Xã Vũ Hội", "province": "Hưng Yên"}  # fmt: skip
ZALO_APP_ID = "chaos-zalo-app"


@dataclass(frozen=True, slots=True)
class Live:
    index: int
    platform: Platform
    channel: str  # Page id, relay channel name or OA id
    live_id: str
    video_id: str
    session_id: int


@dataclass
class Simulators:
    facebook: FacebookState
    zalo: zalo_sim.ZaloState
    couriers: DemoCouriers
    facebook_url: str = ""
    zalo_url: str = ""
    facebook_secret: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    relay_secret: str = field(default_factory=lambda: secrets.token_urlsafe(16))

    def environment(self, settings: Settings) -> dict[str, str]:
        """Settings of the web and worker processes that point them at the simulators."""
        zalo_secret = self.zalo.secret
        return {
            **self.couriers.environment(),
            "CHOTDON_FACEBOOK_APP_SECRET": self.facebook_secret,
            "CHOTDON_FACEBOOK_GRAPH_URL": f"{self.facebook_url}/v21.0",
            # chotdon facebook-pull (chaos/pulled.py): the fake's stream, polled often
            "CHOTDON_FACEBOOK_STREAMING_URL": f"{self.facebook_url}/streaming",
            "CHOTDON_FACEBOOK_POLL_INTERVAL_S": "1",
            "CHOTDON_FACEBOOK_DISCOVER_INTERVAL_S": "1",
            "CHOTDON_FACEBOOK_SEND_PER_S": "1000",
            "CHOTDON_ZALO_APP_ID": ZALO_APP_ID,
            "CHOTDON_ZALO_OA_SECRET_KEY": zalo_secret,
            "CHOTDON_ZALO_OPENAPI_URL": self.zalo_url,
            "CHOTDON_ZALO_ZNS_URL": self.zalo_url,
            "CHOTDON_APP_SECRET": (settings.app_secret.get_secret_value() if settings.app_secret
                                   else ""),
        }  # fmt: skip


@contextlib.asynccontextmanager
async def simulators(seed: int) -> AsyncIterator[Simulators]:
    facebook = FacebookState(SimConfig(seed=seed))
    zalo = zalo_sim.ZaloState(ZALO_APP_ID, secrets.token_urlsafe(16))
    async with demo_couriers() as couriers:
        sims = Simulators(facebook, zalo, couriers)
        fb_runner, sims.facebook_url = await serve_locally(fb_sim.create_simulator(facebook))
        zalo_runner, sims.zalo_url = await serve_locally(zalo_sim.create_app(zalo))
        try:
            yield sims
        finally:
            await fb_runner.cleanup()
            await zalo_runner.cleanup()


async def _tenant(conn: Connection, broadcast: int) -> int:
    courier = COURIERS[broadcast % len(COURIERS)]
    settings = {"courier": courier.value, "sender": SENDER}
    tenant_id = await conn.fetchval(
        "INSERT INTO tenants (slug, name, province, settings) "
        "VALUES ($1, $2, 'Hưng Yên', $3) RETURNING id",
        f"htx-chaos-{broadcast}", f"HTX Chaos {broadcast} ({courier.value})", settings,
    )  # fmt: skip
    await conn.executemany(
        "INSERT INTO products (tenant_id, code, name, aliases, price_vnd) VALUES ($1,$2,$3,$4,$5)",
        [(tenant_id, code, name, aliases, price) for code, name, aliases, price in PRODUCTS],
    )
    return int(tenant_id)


async def _channel(
    pool: asyncpg.Pool, settings: Settings, sims: Simulators, tenant_id: int, live: Live
) -> int:
    name = f"Chaos {live.platform.value} {live.index}"
    if live.platform is Platform.FACEBOOK:
        token = secrets.token_urlsafe(12)
        sims.facebook.add_page(live.channel, token)
        sealer = credential_cipher(settings, Platform.FACEBOOK)
        return await connect_page(pool, sealer, tenant_id, live.channel, name, token)
    if live.platform is Platform.RELAY:
        sealed = credential_cipher(settings, Platform.RELAY).encrypt(sims.relay_secret)
    else:
        access, _refresh = sims.zalo.issue_tokens(live.channel)
        sealed = seal_json(credential_cipher(settings, Platform.ZALO), {"access_token": access})
    return await connect_channel(pool, live.platform, tenant_id, live.channel, name, sealed, {})


async def _broadcast(conn: Connection, tenant_id: int, broadcast: int, scarce: int) -> int:
    """The live of one broadcast and its one stock pool (N01 scarce: buyers of every channel
    queue on one waitlist)."""
    live_id = await conn.fetchval(
        "INSERT INTO lives (tenant_id, title, status, started_at) "
        "VALUES ($1, $2, 'live', now()) RETURNING id",
        tenant_id, f"Live chaos {broadcast}",
    )  # fmt: skip
    await conn.execute(
        "INSERT INTO live_stock (tenant_id, live_id, product_id, quantity) "
        "SELECT $1, $2, id, CASE WHEN code = 'N01' THEN $3::int ELSE $4::int END FROM products "
        "WHERE tenant_id = $1",
        tenant_id, live_id, scarce, PLENTY,
    )  # fmt: skip
    return int(live_id)


async def _session(conn: Connection, tenant_id: int, channel_id: int, live: Live,
                   live_id: int) -> int:  # fmt: skip
    session_id = await conn.fetchval(
        "INSERT INTO live_sessions (tenant_id, channel_id, external_live_id, video_id, title, "
        "status, started_at, live_id) "
        "VALUES ($1, $2, $3, $4, 'Live chaos', 'live', now(), $5) RETURNING id",
        tenant_id, channel_id, live.live_id, live.video_id, live_id,
    )  # fmt: skip
    return int(session_id)


async def seed(
    pool: asyncpg.Pool, settings: Settings, sims: Simulators, lives: int, scarce: int
) -> list[Live]:
    """`lives` channels dealt to Facebook, TikTok (relay) and Zalo in turn, every three of them
    one broadcast of a cooperative of its own (one live, one stock, three channels)."""
    broadcasts = range((lives + len(PLATFORMS) - 1) // len(PLATFORMS))
    async with pool.acquire() as conn:
        tenants = [await _tenant(conn, b) for b in broadcasts]
        pools = [await _broadcast(conn, tenants[b], b, scarce) for b in broadcasts]
    made = []
    for index in range(lives):
        platform = PLATFORMS[index % len(PLATFORMS)]
        channel = f"chaos-{platform.value}-{index}"
        video_id = f"vlive{index}"
        if platform is Platform.FACEBOOK:  # the Graph API simulator knows the live and its video
            video_id = sims.facebook.add_live(channel, f"live{index}").video_id
        draft = Live(index, platform, channel, f"live{index}", video_id, 0)
        broadcast = index // len(PLATFORMS)
        channel_id = await _channel(pool, settings, sims, tenants[broadcast], draft)
        async with pool.acquire() as conn:
            session_id = await _session(conn, tenants[broadcast], channel_id, draft,
                                        pools[broadcast])  # fmt: skip
        made.append(Live(draft.index, platform, draft.channel, draft.live_id, draft.video_id,
                         session_id))  # fmt: skip
    return made
