"""The address tables, built once per process from the data packages, and an order's address as
the courier needs it.

2025 units: the `vietnam-provinces` package (the codes orders store). Old→new wards: the
`vietnam-address-converter` package's table, whose new wards are matched to vietnam-provinces by
province and name (its own codes differ). The old table is big (about 10,000 rows), so it is
loaded only when an address is not already a 2025 one.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from typing import Any

from aggregator.confirmation.addresses import divisions
from aggregator.core.addresses import (
    WARD_PREFIXES,
    LegacyTable,
    NewUnit,
    OldWard,
    Outcome,
    Resolution,
    Typed,
    UnitTable,
    bare_accented,
    current_unit,
    district_key,
    province_key,
    resolve,
    split_address,
    ward_key,
)


@cache
def unit_table() -> UnitTable:
    data = divisions()
    provinces: dict[str, tuple[str, str]] = {}
    wards: dict[tuple[str, str], list[NewUnit]] = defaultdict(list)
    by_code: dict[tuple[str, str], NewUnit] = {}
    for p in data.provinces:
        provinces[province_key(p.name)] = (p.code, p.name)
        for w in data.wards[p.code]:
            unit = NewUnit(p.code, w.code, p.name, w.name)
            wards[(p.code, ward_key(w.name))].append(unit)
            by_code[(p.code, w.code)] = unit
    return UnitTable(provinces, {k: tuple(v) for k, v in wards.items()}, by_code)


def _new_unit(units: UnitTable, new: dict[str, Any]) -> NewUnit | None:
    province = units.provinces.get(province_key(str(new["province_name"])))
    if province is None:
        return None
    found = units.wards.get((province[0], ward_key(str(new["ward_name"]))), ())
    if len(found) > 1:
        spelt = bare_accented(str(new["ward_name"]), WARD_PREFIXES)
        found = tuple(u for u in found if bare_accented(u.ward_name, WARD_PREFIXES) == spelt)
    return found[0] if len(found) == 1 else None


@cache
def legacy_table() -> LegacyTable:
    # Imported here: the table is ~10 MB of Python and most processes never need it.
    from vietnam_address_converter.data import DEFAULT_DATA

    units = unit_table()
    wards: dict[tuple[str, str], list[OldWard]] = defaultdict(list)
    provinces: dict[str, set[str]] = defaultdict(set)
    for row in DEFAULT_DATA["mapping"]["rows"]:
        old, new = row["old"], row["new"]
        unit = _new_unit(units, new)
        if unit is None:
            continue  # a new ward we cannot place is left out: such an address goes to staff
        key = province_key(str(old["province_name"]))
        provinces[key].add(unit.province_code)
        wards[(key, ward_key(str(old["ward_name"])))].append(
            OldWard(
                district_key(str(old["district_name"])),
                bare_accented(str(old["ward_name"]), WARD_PREFIXES),
                unit,
            )
        )
    return LegacyTable(
        {k: tuple(v) for k, v in wards.items()},
        {k: frozenset(v) for k, v in provinces.items()},
    )


def typed_address(province: str | None, ward: str | None, line: str | None) -> Typed:
    """What an order holds: codes or names in province/ward, or only a one-line address."""
    if (province or "").strip() or (ward or "").strip():
        return Typed(province or "", ward or "", "", line or "")
    return split_address(line or "")


def resolve_address(
    province: str | None, ward: str | None, line: str | None, district: str = ""
) -> Resolution:
    typed = typed_address(province, ward, line)
    if district.strip():
        typed = Typed(typed.province, typed.ward, district, typed.street)
    units = unit_table()
    if not typed.district.strip():
        # The common case, a 2025 address (picked on the buyer page), needs no old table.
        unit = current_unit(units, typed)
        if unit is not None:
            return Resolution(
                Outcome.CURRENT, typed, unit, province=(unit.province_code, unit.province_name)
            )
    return resolve(units, legacy_table(), typed)
