""" "Bom hàng" risk: how likely a buyer is to refuse a COD parcel, from their own record.

Pure: counts of delivered and refused/returned parcels per phone number in one cooperative go in,
a level comes out. A director may require prepayment (VietQR) at or above a level.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any


class RiskLevel(IntEnum):
    NEW = 0  # no parcel yet
    LOW = 1  # delivered, never refused
    MEDIUM = 2  # refused at least one in three
    HIGH = 3  # refused two or more, at least half
    BLOCKED = 4  # refused three or more and never took one

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> RiskLevel:
        return cls[value.strip().upper()]


PREPAY_SETTING = "prepay_at_risk"  # key in tenants.settings: a level label, or absent


def risk_level(delivered: int, returned: int) -> RiskLevel:
    total = delivered + returned
    if returned == 0:
        return RiskLevel.LOW if delivered else RiskLevel.NEW
    if returned >= 3 and delivered == 0:
        return RiskLevel.BLOCKED
    if returned >= 2 and returned * 2 >= total:
        return RiskLevel.HIGH
    if returned * 3 >= total:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW


def prepay_threshold(tenant_settings: dict[str, Any]) -> RiskLevel | None:
    """The director's setting: prepayment is required from this level up; None: never."""
    value = tenant_settings.get(PREPAY_SETTING)
    if not isinstance(value, str):
        return None
    try:
        return RiskLevel.parse(value)
    except KeyError:
        return None


def requires_prepayment(level: RiskLevel, threshold: RiskLevel | None) -> bool:
    return threshold is not None and level >= threshold
