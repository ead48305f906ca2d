"""The couriers of the demo: one simulator of GHN, GHTK and Viettel Post, wired like production.

The web app and the worker get the simulator's base URLs, tokens and webhook secrets as ordinary
CHOTDON_* settings, and the simulator posts its status webhooks to the web app with each
courier's own authentication, so the demo exercises the same code paths as a real deployment.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import asyncpg
import structlog

from connectors.simulators.courier_webhooks import Scenario, WebhookTarget
from connectors.simulators.couriers import CourierSimulator
from schema.enums import Courier

log = structlog.get_logger()
WALK_STEP_S = 0.6


@dataclass
class DemoCouriers:
    sim: CourierSimulator
    tokens: dict[Courier, str]
    secrets: dict[Courier, str]
    walked: set[str] = field(default_factory=set)

    def environment(self) -> dict[str, str]:
        """The settings that point chotdon at the simulator, as environment variables."""
        env = {"CHOTDON_GHN_SHOP_ID": "885", "CHOTDON_GHTK_CLIENT_SOURCE": "S308157"}
        for courier, url in self.sim.base_urls().items():
            name = courier.value.upper()
            env[f"CHOTDON_{name}_BASE_URL"] = url
            env[f"CHOTDON_{name}_TOKEN"] = self.tokens[courier]
            env[f"CHOTDON_{name}_WEBHOOK_SECRET"] = self.secrets[courier]
        env["CHOTDON_VIETTELPOST_PRINT_URL"] = self.sim.print_url()
        return env

    def point_webhooks(self, base_url: str) -> None:
        """Each courier authenticates its webhooks the way it can (see the README)."""
        self.sim.targets[Courier.GHN] = WebhookTarget(
            f"{base_url}/webhooks/ghn", {"X-Chotdon-Token": self.secrets[Courier.GHN]}
        )
        self.sim.targets[Courier.GHTK] = WebhookTarget(
            f"{base_url}/webhooks/ghtk?hash={self.secrets[Courier.GHTK]}"
        )
        self.sim.targets[Courier.VIETTELPOST] = WebhookTarget(
            f"{base_url}/webhooks/viettelpost",
            {"Authorization": self.secrets[Courier.VIETTELPOST]},
            token=self.secrets[Courier.VIETTELPOST],
        )


@contextlib.asynccontextmanager
async def demo_couriers() -> AsyncIterator[DemoCouriers]:
    tokens = {c: secrets.token_urlsafe(16) for c in Courier}
    couriers = DemoCouriers(
        CourierSimulator(tokens), tokens, {c: secrets.token_urlsafe(16) for c in Courier}
    )
    await couriers.sim.start()
    try:
        yield couriers
    finally:
        await couriers.sim.stop()


async def deliver_parcels(
    pool: asyncpg.Pool, couriers: DemoCouriers, session_ids: list[int]
) -> None:
    """Run until cancelled: walk every new parcel to the buyer; the first buyer refuses the COD."""
    walks: set[asyncio.Task[list[int]]] = set()
    try:
        while True:
            rows = await pool.fetch(
                "SELECT s.courier, s.client_order_code FROM shipments s JOIN orders o "
                "ON o.id = s.order_id WHERE o.session_id = ANY($1::bigint[]) "
                "AND s.status = 'created' ORDER BY s.id",
                session_ids,
            )
            for row in rows:
                code = row["client_order_code"]
                if (
                    code in couriers.walked
                    or (Courier(row["courier"]), code) not in couriers.sim.parcels
                ):
                    continue
                scenario = Scenario.REFUSE if not couriers.walked else Scenario.DELIVER
                couriers.walked.add(code)
                walk = couriers.sim.walk(Courier(row["courier"]), code, scenario, WALK_STEP_S)
                task = asyncio.create_task(walk)
                walks.add(task)
                task.add_done_callback(walks.discard)
            await asyncio.sleep(1.0)
    finally:
        for task in walks:
            task.cancel()
