"""A fake of GHN, GHTK and Viettel Post in one aiohttp app, for the demo and tests.

It speaks each courier's wire format (paths, auth headers, envelopes) on one host: GHN under
/shiip/public-api, GHTK under /services, Viettel Post under /v2. It accepts creates and returns
codes and fees, treats a repeated client order code the way each courier does (GHN returns the
same order_code, GHTK answers ORDER_ID_EXIST with the label, Viettel Post refuses it), can stall a
create it has already accepted (a timeout after accepting), and walks parcels through status
scripts, posting each courier's webhooks with retries and duplicates.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web

from connectors.simulators.courier_routes import VTP_PRINT_PATH, add_routes
from connectors.simulators.courier_webhooks import (
    SCRIPTS,
    Scenario,
    StatusReport,
    WebhookTarget,
    post_webhook,
)
from schema.enums import Courier

FEES = {Courier.GHN: 22_000, Courier.GHTK: 19_000, Courier.VIETTELPOST: 25_000}
FIRST_CODE = {Courier.GHN: "ready_to_pick", Courier.GHTK: "2", Courier.VIETTELPOST: "102"}


@dataclass
class Faults:
    """Fault injection: stall this share of accepted creates for stall_s (the client times out
    although the parcel exists); send each webhook twice with this probability; refuse creates
    to these wards as GHN refuses a name its master data does not know."""

    timeout_after_accept: float = 0.0
    stall_s: float = 5.0
    duplicate_webhooks: float = 0.0
    seed: int = 7
    refused_wards: frozenset[str] = frozenset()  # ward names GHN's master data lacks


@dataclass
class Parcel:
    courier: Courier
    client_code: str
    tracking_code: str
    fee_vnd: int
    cod_vnd: int
    body: dict[str, Any]
    status: str
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    history: list[str] = field(default_factory=list)


class CourierSimulator:
    def __init__(self, tokens: dict[Courier, str], faults: Faults | None = None) -> None:
        self.tokens = tokens
        # More accounts at the same courier (each cooperative's own): token -> its shop id.
        self.accounts: dict[Courier, dict[str, str]] = {}
        # Who called: (courier, token, shop id header) of every authorised request, in order.
        self.callers: list[tuple[Courier, str, str]] = []
        self.faults = faults or Faults()
        self.random = random.Random(self.faults.seed)
        self.parcels: dict[tuple[Courier, str], Parcel] = {}
        self.by_tracking: dict[tuple[Courier, str], Parcel] = {}
        self.targets: dict[Courier, WebhookTarget] = {}
        self.create_calls = 0
        self.stalled = 0
        self._seq = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.base_url = ""

    # --- state -------------------------------------------------------------------------------
    def authorised(self, courier: Courier, request: web.Request) -> bool:
        token = request.headers.get("Token", "")
        ok = token == self.tokens.get(courier, "") or token in self.accounts.get(courier, {})
        if ok:  # GHN names the shop in ShopId, GHTK in X-Client-Source
            shop = request.headers.get("ShopId") or request.headers.get("X-Client-Source") or ""
            self.callers.append((courier, token, shop))
        return ok

    def new_tracking_code(self, courier: Courier) -> str:
        n = next(self._seq)
        if courier is Courier.GHN:
            return f"GHN{n:07d}"
        if courier is Courier.GHTK:
            return f"S1.A1.{17_000_000 + n}"
        return f"{1_800_000_000 + n}"

    def accept(self, courier: Courier, client_code: str, cod: int, body: dict[str, Any]) -> Parcel:
        parcel = Parcel(
            courier=courier,
            client_code=client_code,
            tracking_code=self.new_tracking_code(courier),
            fee_vnd=FEES[courier],
            cod_vnd=cod,
            body=body,
            status=FIRST_CODE[courier],
        )
        self.parcels[(courier, client_code)] = parcel
        self.by_tracking[(courier, parcel.tracking_code)] = parcel
        return parcel

    async def maybe_stall(self) -> None:
        """After accepting: hold the answer so the client times out, as a slow courier would."""
        if self.random.random() < self.faults.timeout_after_accept:
            self.stalled += 1
            await asyncio.sleep(self.faults.stall_s)

    def count(self, courier: Courier | None = None) -> int:
        return sum(1 for c, _ in self.parcels if courier is None or c is courier)

    def find(self, courier: Courier, ref: str) -> Parcel | None:
        return self.parcels.get((courier, ref)) or self.by_tracking.get((courier, ref))

    # --- server ------------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application()
        add_routes(app, self)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound = self._runner.addresses[0][1]
        self.base_url = f"http://{host}:{bound}"
        self._session = aiohttp.ClientSession()
        return self.base_url

    def print_url(self) -> str:
        """Viettel Post's print page, which the real Viettel Post serves on another host."""
        return f"{self.base_url}{VTP_PRINT_PATH}"

    def base_urls(self) -> dict[Courier, str]:
        return {
            Courier.GHN: f"{self.base_url}/shiip/public-api",
            Courier.GHTK: self.base_url,
            Courier.VIETTELPOST: self.base_url,
        }

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- webhooks ----------------------------------------------------------------------------
    def reports(
        self, courier: Courier, client_code: str, scenario: Scenario, start: datetime | None = None
    ) -> list[StatusReport]:
        """The status reports a parcel goes through, one second apart."""
        parcel = self.parcels[(courier, client_code)]
        start = start or datetime.now(UTC)
        return [
            StatusReport(
                courier, parcel.tracking_code, client_code, code, start + timedelta(seconds=i),
                parcel.cod_vnd,
            )
            for i, code in enumerate(SCRIPTS[courier][scenario])
        ]  # fmt: skip

    def advance(self, report: StatusReport) -> None:
        """Move the parcel without telling anyone (a lost webhook; polling finds it)."""
        parcel = self.parcels[(report.courier, report.client_code)]
        parcel.status, parcel.updated_at = report.code, report.at
        parcel.history.append(report.code)

    async def send(self, report: StatusReport) -> int:
        assert self._session is not None, "start() the simulator first"
        self.advance(report)
        target = self.targets[report.courier]
        status = await post_webhook(self._session, report, target)
        if self.random.random() < self.faults.duplicate_webhooks:
            await post_webhook(self._session, report, target)
        return status

    async def walk(
        self, courier: Courier, client_code: str, scenario: Scenario, step_delay_s: float = 0.0
    ) -> list[int]:
        """Walk one parcel through a scenario, posting every status; the HTTP answers."""
        answers = []
        for report in self.reports(courier, client_code, scenario):
            answers.append(await self.send(report))
            if step_delay_s:
                await asyncio.sleep(step_delay_s)
        return answers
