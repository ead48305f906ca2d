"""Every status code the couriers document maps to a courier status; GHTK's documented bodies read
the same whatever their encoding; incidents outrank the way back; the alerts staff read."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aggregator.core.dashboard import Level
from aggregator.core.incidents import (
    MAX_INCIDENT_ALERTS,
    SHIPMENT_TEXT,
    Incident,
    courier_says,
    incident_alerts,
)
from connectors.couriers import ghtk, viettelpost, wire
from connectors.couriers.port import WebhookRequest
from connectors.couriers.status import RANK, TABLES, common_status, supersedes
from connectors.couriers.status_names import NAMES
from schema.enums import Courier, ShipmentStatus
from tests.support.courier_wire import GHTK_MULTIPART, vtp_status, wire as fixture

S = ShipmentStatus
FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize("courier", list(Courier))
def test_every_documented_code_maps_to_a_courier_status(courier: Courier) -> None:
    documented = NAMES[courier]
    assert TABLES[courier].keys() == documented.keys()
    assert all(common_status(courier, code) is not None for code in documented)
    assert set(RANK) == set(ShipmentStatus) and set(SHIPMENT_TEXT) == set(ShipmentStatus)


def test_the_incidents_named_in_the_docs() -> None:
    assert [common_status(Courier.GHN, c) for c in ("lost", "damage", "exception")] == [
        S.LOST, S.DAMAGED, S.EXCEPTION,
    ]  # fmt: skip
    assert [common_status(Courier.GHTK, c) for c in ("7", "127", "49", "13", "123", "45")] == [
        S.PICKUP_FAILED, S.PICKUP_FAILED, S.FAILED_ATTEMPT, S.EXCEPTION, S.CREATED, S.IN_TRANSIT,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("form_literal_plus.txt", FORM),
        ("form_encoded_plus.txt", FORM),
        ("json.json", "application/json"),
        ("multipart.txt", "multipart/form-data"),
    ],
)
def test_ghtk_documented_bodies_read_the_same(name: str, content_type: str) -> None:
    headers = {"content-type": GHTK_MULTIPART} if "multipart" in content_type else {}
    request = WebhookRequest(headers, {}, fixture(Courier.GHTK, name), content_type)
    event = ghtk.parse_webhook(request)
    assert (event.tracking_code, event.client_code, event.courier_status, event.status) == (
        "S1.A1.17373471", "1234567", "5", S.DELIVERED,
    )  # fmt: skip
    assert event.at == datetime(2016, 11, 2, 5, 18, 39, tzinfo=UTC)
    assert event.delivery_key == "S1.A1.17373471|5|2016-11-02T12:18:39+07:00"


def test_a_form_time_gets_its_plus_back_and_nothing_else_changes() -> None:
    assert wire.form_time("2016-11-02T12:18:39 07:00") == "2016-11-02T12:18:39+07:00"
    assert wire.form_time("2026-09-01T10:00:00.123456 0700") == "2026-09-01T10:00:00.123456+0700"
    for kept in ("2016-11-02T12:18:39-07:00", "2016-11-02T12:18:39+07:00", "Chiều 2017-07-01"):
        assert wire.form_time(kept) == kept


def test_viettelpost_reason_reads_its_failure_table_then_the_note() -> None:
    event = viettelpost.parse_webhook(
        WebhookRequest({}, {}, vtp_status(505, 31), "application/json")
    )
    assert event.status is S.FAILED_ATTEMPT
    assert event.reason == "Khách hàng không đặt đơn — Phân công bưu tá nhận hàng"


def test_incidents_outrank_the_way_back_but_not_the_end() -> None:
    t0, t1 = datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 9, 2, tzinfo=UTC)
    assert supersedes(S.LOST, t0, S.IN_TRANSIT, t1)
    assert not supersedes(S.RETURNING, t1, S.LOST, t0)
    assert supersedes(S.DELIVERED, t1, S.DAMAGED, t0)  # found after all
    assert supersedes(S.CREATED, t1, S.PICKUP_FAILED, t0)  # a new pickup attempt
    assert not supersedes(S.PICKUP_FAILED, t1, S.PICKED_UP, t0)  # a late report


def test_alerts_name_the_order_the_trouble_and_the_couriers_words() -> None:
    assert courier_says("ghn", "Hàng bị mất", "") == "GHN: Hàng bị mất"
    assert courier_says("ghtk", "Không lấy được hàng", "NCC chưa có hàng") == (
        "GHTK: Không lấy được hàng — NCC chưa có hàng"
    )
    assert courier_says("viettelpost", "Phát thất bại", "Phát thất bại") == (
        "Viettel Post: Phát thất bại"
    )
    lost = Incident("CD0000001", S.LOST, "GHN: Hàng bị mất")
    failed = Incident("CD0000002", S.FAILED_ATTEMPT, "GHTK: Không giao được hàng")
    alerts = incident_alerts([lost, failed], unreadable=3)
    assert [(a.level, a.text) for a in alerts] == [
        (Level.DANGER, "Đơn CD0000001 bị thất lạc (GHN: Hàng bị mất)"),
        (Level.WARN, "Đơn CD0000002 giao không thành công (GHTK: Không giao được hàng)"),
        (Level.WARN, "3 thông báo chưa đọc được từ nền tảng — cần cập nhật chotdon"),
    ]
    many = [failed] * (MAX_INCIDENT_ALERTS + 2)
    capped = incident_alerts(many, unreadable=0, total=40)
    assert len(capped) == MAX_INCIDENT_ALERTS + 1
    assert capped[-1].text == "Và 32 đơn khác có sự cố vận chuyển: xem danh sách đơn hàng"
    assert incident_alerts([], unreadable=0) == []
