"""Vietnam's two-level administrative units since 2025-07-01: 34 provinces, their wards/communes.

The data is the `vietnam-provinces` package's (nested-divisions.json, 2025 units), read once.
Codes are kept as text, as orders and buyers store them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from vietnam_provinces import NESTED_DIVISIONS_JSON_PATH

from aggregator.core.parser.normalize import fold


@dataclass(frozen=True, slots=True)
class Unit:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class Divisions:
    provinces: tuple[Unit, ...]
    wards: dict[str, tuple[Unit, ...]]
    names: dict[str, str]  # "p:<code>" / "w:<code>" -> name

    def ward_in(self, province_code: str, ward_code: str) -> bool:
        return any(w.code == ward_code for w in self.wards.get(province_code, ()))


def _sort_key(unit: Unit) -> str:
    bare = unit.name.removeprefix("Thành phố ").removeprefix("Tỉnh ")
    bare = bare.removeprefix("Phường ").removeprefix("Xã ").removeprefix("Đặc khu ")
    return fold(bare)


@cache
def divisions() -> Divisions:
    data = json.loads(NESTED_DIVISIONS_JSON_PATH.read_text(encoding="utf-8"))
    provinces = sorted((Unit(str(p["code"]), p["name"]) for p in data), key=_sort_key)
    wards = {
        str(p["code"]): tuple(
            sorted((Unit(str(w["code"]), w["name"]) for w in p["wards"]), key=_sort_key)
        )
        for p in data
    }
    names = {f"p:{u.code}": u.name for u in provinces}
    names.update({f"w:{u.code}": u.name for units in wards.values() for u in units})
    return Divisions(tuple(provinces), wards, names)


def address_text(line: str | None, ward_code: str | None, province_code: str | None) -> str:
    """'12 Trần Phú, Phường Ba Đình, Thành phố Hà Nội' from the stored parts."""
    names = divisions().names
    parts = [line or "", names.get(f"w:{ward_code}", ""), names.get(f"p:{province_code}", "")]
    return ", ".join(p for p in parts if p)
