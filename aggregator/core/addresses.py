"""Addresses before and after Vietnam's 2025-07-01 reform, as pure values.

Since 2025-07-01 an address is two levels: one of 34 provinces/cities and one of its
wards/communes; districts are gone. Buyers, platforms and old records still write the old three
levels (63 provinces, district, ward). `resolve` turns what was typed into a 2025 unit when that
is certain, and otherwise says why not, with the candidates, so staff decide: an old ward split
between several new wards is never guessed.

The tables come in as values (`UnitTable`, `LegacyTable`, built elsewhere from the data
packages), so this module does no I/O and tests in microseconds.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from aggregator.core.parser.normalize import FOLD_TABLE

# Prefixes of unit names, longest first; typed with or without diacritics, abbreviated or not.
PROVINCE_PREFIXES = ("thanh pho ", "tinh ", "tp. ", "tp.", "tp ")
DISTRICT_PREFIXES = ("thanh pho ", "thi xa ", "quan ", "huyen ", "tp. ", "tp.", "tp ", "tx. ",
                     "tx.", "tx ", "q. ", "q.", "h. ", "h.")  # fmt: skip
WARD_PREFIXES = ("thi tran ", "phuong ", "dac khu ", "xa ", "tt. ", "tt.", "tt ", "p. ", "p.",
                 "x. ", "x.")  # fmt: skip
# Names a buyer may still write for a province that no longer exists under that name.
PROVINCE_ALIASES = {
    "ha tay": "ha noi",  # merged into Hà Nội in 2008; its districts kept their names
    "sai gon": "ho chi minh",
    "hcm": "ho chi minh",
    "tphcm": "ho chi minh",
    "thua thien hue": "hue",
}
_SPACES = re.compile(r"\s+")
_LEADING_ZERO = re.compile(r"^0+(?=\d)")


def fold_text(text: str) -> str:
    """Lower-case ASCII, single spaces: 'Thành phố  Thái Bình' -> 'thanh pho thai binh'."""
    nfc = unicodedata.normalize("NFC", text)
    folded = "".join(FOLD_TABLE.get(ord(c), c) for c in nfc).lower()
    folded = folded.replace("-", " ").replace("'", "").replace("\u2019", "")
    return _SPACES.sub(" ", folded).strip()


def accented(text: str) -> str:
    """Lower-case with diacritics, single spaces: tells 'Cẩm Giang' from 'Cẩm Giàng'."""
    nfc = unicodedata.normalize("NFC", text).lower().replace("-", " ")
    return _SPACES.sub(" ", nfc).strip()


def _strip(folded: str, prefixes: Iterable[str]) -> str:
    for prefix in prefixes:
        if folded.startswith(prefix) and len(folded) > len(prefix):
            return folded[len(prefix) :].strip()
    return folded


def province_key(text: str) -> str:
    key = _strip(fold_text(text), PROVINCE_PREFIXES)
    return PROVINCE_ALIASES.get(key, key)


def district_key(text: str) -> str:
    return _LEADING_ZERO.sub("", _strip(fold_text(text), DISTRICT_PREFIXES))


def ward_key(text: str) -> str:
    """'Phường 05' and 'P.5' -> '5'; 'Xã Vũ Chính' -> 'vu chinh'."""
    return _LEADING_ZERO.sub("", _strip(fold_text(text), WARD_PREFIXES))


def bare_accented(text: str, prefixes: Iterable[str]) -> str:
    """The name with diacritics but without its unit word: 'Xã Cẩm Giàng' -> 'cẩm giàng'."""
    folded, full = fold_text(text), accented(text)
    stripped = _strip(folded, prefixes)
    return full[len(full) - len(stripped) :] if len(full) == len(folded) else full


@dataclass(frozen=True, slots=True)
class NewUnit:
    """A 2025 ward/commune with its province, by the codes orders store (vietnam-provinces)."""

    province_code: str
    ward_code: str
    province_name: str
    ward_name: str


@dataclass(frozen=True, slots=True)
class UnitTable:
    """The 2025 units: provinces by key, wards by (province code, ward key)."""

    provinces: Mapping[str, tuple[str, str]]  # province key -> (code, name)
    wards: Mapping[tuple[str, str], tuple[NewUnit, ...]]
    by_code: Mapping[tuple[str, str], NewUnit]  # (province code, ward code)


@dataclass(frozen=True, slots=True)
class OldWard:
    """One row of the old→new table: an old ward (or part of one) and the new ward it went to."""

    district: str  # district key
    ward_accented: str  # the old ward's name with diacritics, without its unit word
    new: NewUnit


@dataclass(frozen=True, slots=True)
class LegacyTable:
    wards: Mapping[tuple[str, str], tuple[OldWard, ...]]  # (old province key, ward key)
    provinces: Mapping[str, frozenset[str]]  # old province key -> new province codes


class Outcome(StrEnum):
    CURRENT = "current"  # already a 2025 address
    CONVERTED = "converted"  # an old address with exactly one 2025 ward
    AMBIGUOUS = "ambiguous"  # an old ward split between several 2025 wards: staff choose
    UNKNOWN = "unknown"  # no such unit in either list: staff correct it


@dataclass(frozen=True, slots=True)
class Typed:
    """An address as typed: names or codes, district empty for a 2025 address."""

    province: str
    ward: str
    district: str = ""
    street: str = ""


@dataclass(frozen=True, slots=True)
class Resolution:
    outcome: Outcome
    typed: Typed
    unit: NewUnit | None = None
    candidates: tuple[NewUnit, ...] = ()
    province: tuple[str, str] | None = None  # the 2025 province when known, (code, name)
    note: str = ""  # for staff, in Vietnamese

    @property
    def usable(self) -> bool:
        return self.unit is not None


def _by_code(units: UnitTable, typed: Typed) -> NewUnit | None:
    return units.by_code.get((typed.province.strip(), typed.ward.strip()))


def _pick(found: Iterable[NewUnit], typed_ward: str) -> tuple[NewUnit, ...]:
    """Distinct units; when several share a folded name, the one spelt as typed wins."""
    distinct = tuple(dict.fromkeys(found))
    if len(distinct) > 1:
        spelt = bare_accented(typed_ward, WARD_PREFIXES)
        exact = tuple(u for u in distinct if bare_accented(u.ward_name, WARD_PREFIXES) == spelt)
        return exact or distinct
    return distinct


def current_unit(units: UnitTable, typed: Typed) -> NewUnit | None:
    """The 2025 ward named (or coded) by a 2025 province + ward, if exactly one."""
    by_code = _by_code(units, typed)
    if by_code is not None:
        return by_code
    province = units.provinces.get(province_key(typed.province))
    if province is None:
        return None
    found = _pick(units.wards.get((province[0], ward_key(typed.ward)), ()), typed.ward)
    return found[0] if len(found) == 1 else None


def _old_rows(legacy: LegacyTable, typed: Typed) -> tuple[OldWard, ...]:
    rows = legacy.wards.get((province_key(typed.province), ward_key(typed.ward)), ())
    if typed.district.strip():
        wanted = district_key(typed.district)
        rows = tuple(r for r in rows if r.district == wanted)
    spelt = bare_accented(typed.ward, WARD_PREFIXES)
    exact = tuple(r for r in rows if r.ward_accented == spelt)
    return exact or rows


def _province_of(units: UnitTable, legacy: LegacyTable, typed: Typed) -> tuple[str, str] | None:
    key = province_key(typed.province)
    if key in units.provinces and not typed.district.strip():
        return units.provinces[key]
    codes = legacy.provinces.get(key, frozenset())
    if len(codes) == 1:
        (code,) = codes
        return next((p for p in units.provinces.values() if p[0] == code), None)
    return units.provinces.get(key)


def resolve(units: UnitTable, legacy: LegacyTable, typed: Typed) -> Resolution:
    """The 2025 unit of a typed address, or why there is none (see Outcome)."""
    if not typed.district.strip():
        unit = current_unit(units, typed)
        if unit is not None:
            return Resolution(Outcome.CURRENT, typed, unit, province=_pair(unit))
    rows = _old_rows(legacy, typed)
    targets = tuple(dict.fromkeys(r.new for r in rows))
    province = _province_of(units, legacy, typed)
    if len(targets) == 1:
        unit = targets[0]
        note = f"Địa chỉ cũ đã chuyển sang {unit.ward_name}, {unit.province_name}."
        return Resolution(Outcome.CONVERTED, typed, unit, province=_pair(unit), note=note)
    if targets:
        names = ", ".join(u.ward_name for u in targets)
        note = (f"Phường/xã cũ «{typed.ward}» nay thuộc nhiều phường/xã mới ({names}): "
                "cần hỏi lại khách để chọn đúng.")  # fmt: skip
        return Resolution(Outcome.AMBIGUOUS, typed, candidates=targets, province=province,
                          note=note)  # fmt: skip
    if typed.district.strip():  # a district by habit, with a 2025 province and ward
        unit = current_unit(units, Typed(typed.province, typed.ward))
        if unit is not None:
            return Resolution(Outcome.CURRENT, typed, unit, province=_pair(unit))
    note = (f"Không tìm thấy phường/xã «{typed.ward}» ở «{typed.province}» (cả danh mục cũ "
            "lẫn danh mục 2025): cần sửa địa chỉ.")  # fmt: skip
    return Resolution(Outcome.UNKNOWN, typed, province=province, note=note)


def _pair(unit: NewUnit) -> tuple[str, str]:
    return unit.province_code, unit.province_name


def split_address(text: str) -> Typed:
    """A one-line address, 'street, ward, [district,] province', read from the right.

    Used for platform orders that carry only a full-address string. Parts that are not there
    stay empty, and resolve() then reports the address as unknown rather than guessing.
    """
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) < 2:
        return Typed("", "", "", text.strip())
    province = parts.pop()
    if parts and fold_text(parts[-1]).startswith(tuple(DISTRICT_PREFIXES)):
        district = parts.pop()
        ward = parts.pop() if parts else ""
    else:
        district, ward = "", parts.pop()
    return Typed(province, ward, district, ", ".join(parts))
