"""Provinces a buyer names in a shipping question, their region, and the usual delivery time.

Buyers still write the 63 provinces of before 2025-07-01 ("Hải Dương", "Quảng Bình") as often as
the 34 of today, in full, without diacritics or as short forms ("HN", "sg"): every spelling maps
to one display name and one of the three delivery regions couriers price and time by (Bắc,
Trung, Nam). Delivery days are the couriers' usual standard-service spans (within a province,
within a region, across regions); a cooperative may set its own (tenants.settings.delivery_days).
Pure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from aggregator.core.addresses import fold_text


class Region(StrEnum):
    NORTH = "north"
    CENTRAL = "central"
    SOUTH = "south"


_N, _C, _S = Region.NORTH, Region.CENTRAL, Region.SOUTH

# Display name, region, and extra spellings (folded). The folded display name always matches.
_PROVINCES: tuple[tuple[str, Region, tuple[str, ...]], ...] = (
    ("Hà Nội", _N, ("hn", "ha noi", "hanoi", "ha tay")),
    ("Hải Phòng", _N, ("hp", "hai phong")),
    ("Hải Dương", _N, ()),
    ("Hưng Yên", _N, ()),
    ("Thái Bình", _N, ()),
    ("Nam Định", _N, ()),
    ("Hà Nam", _N, ()),
    ("Ninh Bình", _N, ()),
    ("Vĩnh Phúc", _N, ()),
    ("Bắc Ninh", _N, ()),
    ("Bắc Giang", _N, ()),
    ("Phú Thọ", _N, ()),
    ("Thái Nguyên", _N, ()),
    ("Bắc Kạn", _N, ("bac can",)),
    ("Cao Bằng", _N, ()),
    ("Lạng Sơn", _N, ()),
    ("Quảng Ninh", _N, ()),
    ("Tuyên Quang", _N, ()),
    ("Hà Giang", _N, ()),
    ("Lào Cai", _N, ()),
    ("Yên Bái", _N, ()),
    ("Lai Châu", _N, ()),
    ("Điện Biên", _N, ()),
    ("Sơn La", _N, ()),
    ("Hòa Bình", _N, ("hoa binh",)),
    ("Thanh Hóa", _C, ("thanh hoa",)),
    ("Nghệ An", _C, ("nghe an", "vinh")),
    ("Hà Tĩnh", _C, ()),
    ("Quảng Bình", _C, ()),
    ("Quảng Trị", _C, ()),
    ("Huế", _C, ("hue", "thua thien hue")),
    ("Đà Nẵng", _C, ("dn", "da nang")),
    ("Quảng Nam", _C, ()),
    ("Quảng Ngãi", _C, ()),
    ("Bình Định", _C, ("quy nhon",)),
    ("Phú Yên", _C, ()),
    ("Khánh Hòa", _C, ("khanh hoa", "nha trang")),
    ("Ninh Thuận", _C, ()),
    ("Bình Thuận", _C, ()),
    ("Kon Tum", _C, ()),
    ("Gia Lai", _C, ()),
    ("Đắk Lắk", _C, ("dak lak", "daklak", "dac lac", "buon ma thuot")),
    ("Đắk Nông", _C, ("dak nong",)),
    ("Lâm Đồng", _C, ("da lat", "dalat")),
    ("Hồ Chí Minh", _S, ("hcm", "tphcm", "sg", "sai gon", "saigon", "ho chi minh")),
    ("Đồng Nai", _S, ()),
    ("Bình Dương", _S, ()),
    ("Bà Rịa - Vũng Tàu", _S, ("vung tau", "ba ria vung tau", "brvt")),
    ("Tây Ninh", _S, ()),
    ("Bình Phước", _S, ()),
    ("Long An", _S, ()),
    ("Tiền Giang", _S, ()),
    ("Bến Tre", _S, ()),
    ("Vĩnh Long", _S, ()),
    ("Trà Vinh", _S, ()),
    ("Đồng Tháp", _S, ()),
    ("An Giang", _S, ()),
    ("Kiên Giang", _S, ("phu quoc",)),
    ("Cần Thơ", _S, ("can tho",)),
    ("Hậu Giang", _S, ()),
    ("Sóc Trăng", _S, ()),
    ("Bạc Liêu", _S, ()),
    ("Cà Mau", _S, ()),
)


@dataclass(frozen=True, slots=True)
class Province:
    name: str
    region: Region


def _index() -> dict[str, Province]:
    found: dict[str, Province] = {}
    for name, region, spellings in _PROVINCES:
        province = Province(name, region)
        for key in (fold_text(name).replace(" - ", " "), *spellings):
            found[key] = province
    return found


PROVINCES: Mapping[str, Province] = _index()
_LONGEST_FIRST = sorted(PROVINCES, key=len, reverse=True)
_PATTERN = re.compile(r"\b(" + "|".join(re.escape(k) for k in _LONGEST_FIRST) + r")\b")
# Short forms that are words too ("vinh" is also a name; "dn" a business): only after a
# shipping preposition ("về HN", "ra dn", "vô sg").
_NEEDS_PREPOSITION = frozenset({"hn", "hp", "dn", "sg", "vinh", "hue"})
_PREPOSITION = re.compile(r"\b(ve|ra|vao|vo|toi|den|o|tai|di|sang|len|xuong|tp|ship|giao|gui)\s+$")


def find_province(text: str) -> Province | None:
    """The first province named in a comment, if any."""
    folded = fold_text(text).replace(".", " ")
    for match in _PATTERN.finditer(folded):
        key = match.group(1)
        if key in _NEEDS_PREPOSITION and not _PREPOSITION.search(folded[: match.start()]):
            continue
        return PROVINCES[key]
    return None


def province_named(name: str | None) -> Province | None:
    """The cooperative's own province from its setup (any spelling), if known."""
    return find_province(name) if name else None


@dataclass(frozen=True, slots=True)
class DeliveryDays:
    same_province: str = "1–2"
    same_region: str = "2–3"
    other_region: str = "3–5"
    unknown: str = "2–5"


def delivery_days(settings: Mapping[str, Any] | None) -> DeliveryDays:
    """The cooperative's own spans (tenants.settings.delivery_days), else the usual ones."""
    raw = (settings or {}).get("delivery_days")
    if not isinstance(raw, dict):
        return DeliveryDays()
    base = DeliveryDays()
    values = {k: str(v) for k, v in raw.items() if k in base.__slots__ and isinstance(v, str)}
    return DeliveryDays(**{**{k: getattr(base, k) for k in base.__slots__}, **values})


def days_to(home: Province | None, to: Province | None, days: DeliveryDays) -> str:
    """How many days a parcel usually takes from the cooperative's province to the buyer's."""
    if home is None or to is None:
        return days.unknown
    if home.name == to.name:
        return days.same_province
    return days.same_region if home.region == to.region else days.other_region
