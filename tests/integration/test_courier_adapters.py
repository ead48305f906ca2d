"""The three courier adapters against the in-process simulator: wire formats, duplicates, faults."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest

from connectors.couriers.errors import CourierTimeoutError, DuplicateClientCodeError
from connectors.couriers.port import CourierConfig, Item, Party, ShipmentRequest, WebhookRequest
from connectors.couriers.registry import WEBHOOKS, build_adapter
from connectors.couriers.status import supersedes
from connectors.simulators.courier_webhooks import Scenario, WebhookTarget, webhook_body
from connectors.simulators.couriers import CourierSimulator, Faults
from schema.enums import Courier, ShipmentStatus

TOKENS = {c: f"tok-{c.value}" for c in Courier}


def request(code: str) -> ShipmentRequest:
    return ShipmentRequest(
        client_code=code,
        sender=Party("HTX Thái Bình", "0912345678", "Thôn 1", "Xã Vũ Thư", "Hưng Yên"),
        recipient=Party(
            "Nguyễn Thị Lan", "0987654321", "12 Lê Lợi", "Phường Hạc Thành", "Thanh Hóa"
        ),
        items=(Item("Gạo ST25 túi 5kg", 2, 180_000, 5000),),
        cod_vnd=360_000,
        value_vnd=360_000,
        weight_g=10_000,
    )


@pytest.fixture
async def simulator() -> AsyncIterator[CourierSimulator]:
    sim = CourierSimulator(TOKENS, Faults(stall_s=1.0))
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.mark.parametrize("courier", list(Courier))
async def test_create_fee_label_and_a_repeated_client_code(
    simulator: CourierSimulator, session: aiohttp.ClientSession, courier: Courier
) -> None:
    config = CourierConfig(simulator.base_urls()[courier], TOKENS[courier], "885", timeout_s=0.3)
    adapter = build_adapter(courier, config, session)
    created = await adapter.create(request("CD0000001"))
    assert created.tracking_code and created.fee_vnd > 0
    assert await adapter.fee(request("CD0000001")) > 0
    assert (await adapter.label_url(created.tracking_code)).startswith("http")
    try:
        again = await adapter.create(request("CD0000001"))
        assert again.tracking_code == created.tracking_code  # GHN returns the same order_code
    except DuplicateClientCodeError as dup:
        assert dup.tracking_code in (created.tracking_code, None)  # GHTK says it; VTP does not
    assert simulator.count(courier) == 1
    found = await adapter.find("CD0000001")
    assert found is None or found.tracking_code == created.tracking_code
    await adapter.cancel(created.tracking_code)


@pytest.mark.parametrize("courier", [Courier.GHN, Courier.GHTK])
async def test_a_timeout_after_accepting_is_found_by_client_code(
    simulator: CourierSimulator, session: aiohttp.ClientSession, courier: Courier
) -> None:
    simulator.faults.timeout_after_accept = 1.0
    config = CourierConfig(simulator.base_urls()[courier], TOKENS[courier], "885", timeout_s=0.2)
    adapter = build_adapter(courier, config, session)
    with pytest.raises(CourierTimeoutError):
        await adapter.create(request("CD0000002"))
    found = await adapter.find("CD0000002")
    assert found is not None and found.tracking_code
    assert simulator.count(courier) == 1


@pytest.mark.parametrize("courier", list(Courier))
@pytest.mark.parametrize("scenario", [Scenario.DELIVER, Scenario.REFUSE])
async def test_webhook_bodies_parse_to_the_common_statuses(
    simulator: CourierSimulator, courier: Courier, scenario: Scenario
) -> None:
    simulator.accept(courier, "CD0000003", 100_000, {})
    target = WebhookTarget("http://x/?hash=s", {"Authorization": "s"}, token="s")
    statuses = []
    for report in simulator.reports(
        courier, "CD0000003", scenario, datetime(2026, 9, 1, tzinfo=UTC)
    ):
        body, content_type = webhook_body(report, target)
        event = WEBHOOKS[courier].parse(WebhookRequest({}, {}, body, content_type))
        assert event.client_code == "CD0000003" and event.tracking_code
        assert event.at == report.at
        statuses.append(event.status)
    final = ShipmentStatus.DELIVERED if scenario is Scenario.DELIVER else ShipmentStatus.RETURNED
    assert statuses[-1] is final
    assert ShipmentStatus.PICKED_UP in statuses


def test_a_late_status_never_overwrites_a_final_one() -> None:
    t0, t1 = datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 9, 2, tzinfo=UTC)
    s = ShipmentStatus
    assert supersedes(s.PICKED_UP, t0, s.CREATED, t0)
    assert not supersedes(s.CREATED, t1, s.DELIVERED, t0)
    assert not supersedes(s.PICKED_UP, t1, s.IN_TRANSIT, t0)
    assert supersedes(s.IN_TRANSIT, t1, s.FAILED_ATTEMPT, t0)  # out for delivery again
    assert not supersedes(s.IN_TRANSIT, t0, s.FAILED_ATTEMPT, t1)
    assert not supersedes(s.CREATED, t1, s.CREATED, None)  # a poll that finds nothing new
