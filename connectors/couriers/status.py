"""The common shipment status set, each courier's codes mapped onto it, and the ordering rule.

Pure values only. Every event keeps the courier's own code next to the common status; codes not
in a table map to None (stored, flagged, never applied).
"""

from __future__ import annotations

from datetime import datetime

from schema.enums import Courier, ShipmentStatus

S = ShipmentStatus
TERMINAL: frozenset[ShipmentStatus] = frozenset({S.DELIVERED, S.RETURNED, S.CANCELLED})
# Later in a parcel's life = higher rank. Equal ranks (a failed attempt, then out for delivery
# again) are ordered by the event time. Terminal statuses are never left.
RANK: dict[ShipmentStatus, int] = {
    S.CREATING: 0,
    S.CREATED: 10,
    S.PICKED_UP: 20,
    S.IN_TRANSIT: 30,
    S.FAILED_ATTEMPT: 30,
    S.RETURNING: 40,
    S.DELIVERED: 90,
    S.RETURNED: 90,
    S.CANCELLED: 90,
}

GHN_STATUS: dict[str, ShipmentStatus] = {
    "ready_to_pick": S.CREATED,
    "picking": S.CREATED,
    "money_collect_picking": S.CREATED,
    "picked": S.PICKED_UP,
    "storing": S.IN_TRANSIT,
    "transporting": S.IN_TRANSIT,
    "sorting": S.IN_TRANSIT,
    "delivering": S.IN_TRANSIT,
    "money_collect_delivering": S.IN_TRANSIT,
    "delivered": S.DELIVERED,
    "delivery_fail": S.FAILED_ATTEMPT,
    "waiting_to_return": S.FAILED_ATTEMPT,
    "return": S.RETURNING,
    "return_transporting": S.RETURNING,
    "return_sorting": S.RETURNING,
    "returning": S.RETURNING,
    "return_fail": S.RETURNING,
    "returned": S.RETURNED,
    "cancel": S.CANCELLED,
}

GHTK_STATUS: dict[str, ShipmentStatus] = {
    "-1": S.CANCELLED,
    "1": S.CREATED,
    "2": S.CREATED,
    "12": S.CREATED,
    "8": S.CREATED,
    "7": S.CREATED,
    "3": S.PICKED_UP,
    "4": S.IN_TRANSIT,
    "10": S.IN_TRANSIT,
    "5": S.DELIVERED,
    "6": S.DELIVERED,
    "9": S.FAILED_ATTEMPT,
    "20": S.RETURNING,
    "21": S.RETURNED,
    "11": S.RETURNED,
}

VTP_STATUS: dict[str, ShipmentStatus] = {
    "101": S.CANCELLED,
    "102": S.CREATED,
    "103": S.CREATED,
    "104": S.CREATED,
    "105": S.PICKED_UP,
    "107": S.CANCELLED,
    "200": S.PICKED_UP,
    "201": S.CANCELLED,
    "300": S.IN_TRANSIT,
    "400": S.IN_TRANSIT,
    "500": S.IN_TRANSIT,
    "501": S.DELIVERED,
    "502": S.RETURNING,
    "503": S.CANCELLED,
    "504": S.RETURNED,
    "505": S.FAILED_ATTEMPT,
    "506": S.FAILED_ATTEMPT,
    "507": S.FAILED_ATTEMPT,
    "508": S.IN_TRANSIT,
    "509": S.IN_TRANSIT,
    "515": S.RETURNING,
    "550": S.IN_TRANSIT,
}
VTP_RETURN_LEG = frozenset({"300", "400", "500"})

TABLES: dict[Courier, dict[str, ShipmentStatus]] = {
    Courier.GHN: GHN_STATUS,
    Courier.GHTK: GHTK_STATUS,
    Courier.VIETTELPOST: VTP_STATUS,
}


def common_status(courier: Courier, code: str, *, returning: bool = False) -> ShipmentStatus | None:
    """The common status of a courier's code; None for codes outside the table."""
    status = TABLES[courier].get(code)
    if courier is Courier.VIETTELPOST and returning and code in VTP_RETURN_LEG:
        return S.RETURNING
    return status


def supersedes(
    new: ShipmentStatus,
    new_at: datetime,
    current: ShipmentStatus,
    current_at: datetime | None,
) -> bool:
    """Whether an event moves a shipment: later in the parcel's life, or as late and newer."""
    if current in TERMINAL or new is S.CREATING:
        return False
    if RANK[new] != RANK[current]:
        return RANK[new] > RANK[current]
    if current_at is None:
        return new is not current
    return new_at > current_at
