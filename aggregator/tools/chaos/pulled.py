"""A Facebook live that chotdon pulls (`chotdon facebook-pull`), not one posted by webhooks.

The fake Facebook produces its comments while the rest of the run sends; the chaos run kills the
puller with SIGKILL mid-live (Fault.KILL_PULLER) and starts it again. The puller holds comments in
its ingest queue before they are stored, so this is where a resume point written too early would
lose them. The check reads Postgres: every comment the fake live produced is stored, once.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass
from typing import Any

import asyncpg

from aggregator.credentials.keyring import credential_cipher
from aggregator.platforms.facebook.tokens import connect_page
from aggregator.settings import Settings
from aggregator.tools.chaos.world import Simulators
from connectors.simulators.facebook_live import SimLive
from schema.enums import Platform

PAGE_ID = "chaos-facebook-pull"
LIVE_ID = "live-pulled"
TENANT_SLUG = "htx-chaos-0"  # the first broadcast's cooperative (world.py)
RATE_PER_S = 40.0  # comments/s while the run sends: a busy live, within the stream's cap
STEP_S = 0.05
STORED = """
SELECT count(*) AS rows, count(DISTINCT m.external_id) AS distinct_ids,
       coalesce(array_agg(m.external_id), '{}') AS ids
FROM comments m
JOIN live_sessions s ON s.id = m.session_id
JOIN channels c ON c.id = s.channel_id
WHERE c.platform = 'facebook' AND c.external_id = $1 AND s.external_live_id = $2
"""
ENDED = """
SELECT count(*) FROM live_sessions s JOIN channels c ON c.id = s.channel_id
WHERE c.external_id = $1 AND s.external_live_id = $2 AND s.status = 'ended'
"""


@dataclass
class PulledLive:
    live: SimLive

    async def produce(self, sims: Simulators, until: asyncio.Event) -> None:
        """Comments at RATE_PER_S until the rest of the run has sent everything; then it ends."""
        started = time.monotonic()
        while not until.is_set():
            due = int((time.monotonic() - started) * RATE_PER_S) - len(self.live.comments)
            if due > 0:
                self.live.append(sims.facebook.new_comments(self.live, due))
            await asyncio.sleep(STEP_S)
        sims.facebook.stop_live(self.live)


async def seed_pulled(pool: asyncpg.Pool, settings: Settings, sims: Simulators) -> PulledLive:
    """A Page of the Facebook cooperative with one live on air that only the puller reads."""
    tenant_id = await pool.fetchval("SELECT id FROM tenants WHERE slug = $1", TENANT_SLUG)
    token = secrets.token_urlsafe(12)
    sims.facebook.add_page(PAGE_ID, token)
    sealer = credential_cipher(settings, Platform.FACEBOOK)
    await connect_page(pool, sealer, tenant_id, PAGE_ID, "Chaos facebook-pull", token)
    return PulledLive(sims.facebook.add_live(PAGE_ID, LIVE_ID))


async def wait_until_pulled(pool: asyncpg.Pool, pulled: PulledLive, timeout_s: float) -> None:
    """Until the puller saw the live end and stored what it produced (or the timeout)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            row = await pool.fetchrow(STORED, PAGE_ID, LIVE_ID)
            ended = await pool.fetchval(ENDED, PAGE_ID, LIVE_ID)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            row, ended = None, 0
        if row is not None and ended and row["distinct_ids"] >= len(pulled.live.comments):
            return
        await asyncio.sleep(0.5)


async def pulled_figures(pool: asyncpg.Pool, pulled: PulledLive) -> dict[str, Any]:
    """From Postgres: the pulled live's comments produced, stored, lost and stored twice."""
    row = await pool.fetchrow(STORED, PAGE_ID, LIVE_ID)
    assert row is not None
    produced = {c.id for c in pulled.live.comments}
    return {
        "pulled_comments_produced": len(produced),
        "pulled_comments_stored": row["distinct_ids"],
        "pulled_lost": len(produced - set(row["ids"])),
        "pulled_stored_twice": row["rows"] - row["distinct_ids"],
    }
