"""The common shipment status set, each courier's codes mapped onto it, and the ordering rule.

Pure values only. Every event keeps the courier's own code next to the common status; codes not
in a table map to None (stored, flagged, never applied). Every code of the couriers' published
status tables is here (GHN's order statuses, GHTK's status_id table on its webhook page with the
shipper-reported codes, Viettel Post's ORDER_STATUS table in section 8 of its partner document);
tests/fixtures/wire/<courier>/README.md names the pages.
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
    # Still waiting for pickup: a new pickup attempt (same rank, newer) clears it.
    S.PICKUP_FAILED: 10,
    # Incidents outrank the way back, so a late "returning" does not hide a lost parcel, but not
    # the final statuses: a parcel found and delivered (or returned) after all still ends so.
    S.LOST: 80,
    S.DAMAGED: 80,
    S.EXCEPTION: 80,
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
    "exception": S.EXCEPTION,  # "Đơn hàng ngoại lệ không nằm trong quy trình"
    "damage": S.DAMAGED,
    "lost": S.LOST,
}

GHTK_STATUS: dict[str, ShipmentStatus] = {
    "-1": S.CANCELLED,
    "1": S.CREATED,
    "2": S.CREATED,
    "12": S.CREATED,
    "8": S.CREATED,  # pickup postponed
    "7": S.PICKUP_FAILED,
    "3": S.PICKED_UP,
    "4": S.IN_TRANSIT,
    "10": S.IN_TRANSIT,
    "5": S.DELIVERED,
    "6": S.DELIVERED,
    "9": S.FAILED_ATTEMPT,
    "20": S.RETURNING,
    "21": S.RETURNED,
    "11": S.RETURNED,
    "13": S.EXCEPTION,  # "Đơn hàng bồi hoàn": GHTK compensated the shop (lost or damaged)
    # Shipper reports: GHTK's docs say they are notices, not order statuses (a 123 may later be
    # corrected to 127), so a report never claims more than the order statuses do: "picked" and
    # "delivered" wait for 3 and 5; the problems show at once.
    "123": S.CREATED,
    "127": S.PICKUP_FAILED,
    "128": S.CREATED,
    "45": S.IN_TRANSIT,
    "49": S.FAILED_ATTEMPT,
    "410": S.IN_TRANSIT,
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
    "202": S.PICKED_UP,  # the waybill entry edited after 200: the parcel is where it was
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
