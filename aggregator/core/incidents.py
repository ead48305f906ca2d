"""Parcels in trouble, in the words staff read: a shipment's status in Vietnamese, what the courier
said about it, and the director's alerts for incidents and for deliveries chotdon could not read.
Pure: the caller resolves the courier's own status name (connectors/couriers/status_names.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aggregator.core.dashboard import Alert, Level
from schema.enums import ShipmentStatus

S = ShipmentStatus
SHIPMENT_TEXT: dict[str, str] = {
    S.CREATING: "Đang tạo vận đơn",
    S.CREATED: "Chờ lấy hàng",
    S.PICKED_UP: "Đã lấy hàng",
    S.IN_TRANSIT: "Đang vận chuyển",
    S.FAILED_ATTEMPT: "Giao không thành công",
    S.RETURNING: "Đang hoàn hàng",
    S.RETURNED: "Đã hoàn hàng",
    S.DELIVERED: "Đã giao",
    S.CANCELLED: "Đã huỷ vận đơn",
    S.PICKUP_FAILED: "Không lấy được hàng",
    S.LOST: "Thất lạc",
    S.DAMAGED: "Hư hỏng",
    S.EXCEPTION: "Sự cố vận chuyển",
}
COURIER_TEXT: dict[str, str] = {"ghn": "GHN", "ghtk": "GHTK", "viettelpost": "Viettel Post"}

# The parcel itself is in trouble (danger), or the courier failed a step staff can act on: call
# the buyer before the parcel goes back, have the goods ready for the next pickup (warn).
DANGER: frozenset[str] = frozenset({S.LOST, S.DAMAGED, S.EXCEPTION})
WARNING: frozenset[str] = frozenset({S.PICKUP_FAILED, S.FAILED_ATTEMPT})
ATTENTION: frozenset[str] = DANGER | WARNING
PHRASES: dict[str, str] = {
    S.LOST: "bị thất lạc",
    S.DAMAGED: "bị hư hỏng",
    S.EXCEPTION: "gặp sự cố vận chuyển",
    S.PICKUP_FAILED: "chưa được lấy hàng",
    S.FAILED_ATTEMPT: "giao không thành công",
}
MAX_INCIDENT_ALERTS = 8  # the rest are one line pointing at the order queue's filter


def courier_says(courier: str, status_name: str, reason: str) -> str:
    """'GHN: Hàng bị mất — Thất lạc tại kho': the courier's status and reason, each once."""
    words = " — ".join(dict.fromkeys(w.strip() for w in (status_name, reason) if w.strip()))
    name = COURIER_TEXT.get(courier, courier)
    return f"{name}: {words}" if words else name


@dataclass(frozen=True, slots=True)
class Incident:
    order_no: str
    status: str  # a ShipmentStatus of ATTENTION
    said: str  # courier_says(...)


def incident_text(incident: Incident) -> str:
    phrase = PHRASES.get(incident.status, SHIPMENT_TEXT.get(incident.status, ""))
    return f"Đơn {incident.order_no} {phrase} ({incident.said})"


def incident_alerts(
    incidents: Sequence[Incident], unreadable: int, total: int | None = None
) -> list[Alert]:
    """One alert per parcel in trouble (dangers first, as given), at most MAX_INCIDENT_ALERTS
    and a line for the rest of `total`; then the deliveries chotdon could not read."""
    shown = incidents[:MAX_INCIDENT_ALERTS]
    alerts = [
        Alert(Level.DANGER if i.status in DANGER else Level.WARN, incident_text(i)) for i in shown
    ]
    more = max(len(incidents) if total is None else total, len(incidents)) - len(shown)
    if more > 0:
        alerts.append(
            Alert(Level.WARN, f"Và {more} đơn khác có sự cố vận chuyển: xem danh sách đơn hàng")
        )
    if unreadable:
        alerts.append(
            Alert(
                Level.WARN,
                f"{unreadable} thông báo chưa đọc được từ nền tảng — cần cập nhật chotdon",
            )
        )
    return alerts
