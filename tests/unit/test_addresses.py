"""Old (pre-2025-07-01) addresses become 2025 ones only when certain, on the real tables."""

from __future__ import annotations

import pytest

from aggregator.core.addresses import Outcome, Typed, resolve, split_address, ward_key
from aggregator.shipping.addresses import legacy_table, resolve_address, unit_table


def convert(province: str, ward: str, district: str = "") -> tuple[Outcome, str, str]:
    found = resolve(unit_table(), legacy_table(), Typed(province, ward, district))
    unit = found.unit
    return found.outcome, unit.ward_name if unit else "", unit.province_name if unit else ""


@pytest.mark.parametrize(
    ("province", "ward", "district", "ward_2025", "province_2025"),
    [
        # Thái Bình merged into Hưng Yên; Vũ Chính and Trần Lãm became Phường Trần Lãm.
        ("Tỉnh Thái Bình", "Phường Trần Lãm", "Thành phố Thái Bình", "Phường Trần Lãm", "Hưng Yên"),
        ("Thái Bình", "Xã Vũ Chính", "TP Thái Bình", "Phường Trần Lãm", "Hưng Yên"),
        ("thai binh", "xa vu chinh", "", "Phường Trần Lãm", "Hưng Yên"),
        # Hải Dương merged into Hải Phòng.
        ("Tỉnh Hải Dương", "Phường Trần Hưng Đạo", "Thành phố Hải Dương", "Phường Hải Dương",
         "Thành phố Hải Phòng"),
        # Hà Tây went into Hà Nội in 2008; its districts kept their names.
        ("Hà Tây", "Phường Quang Trung", "Hà Đông", "Phường Hà Đông", "Thành phố Hà Nội"),
        ("Hà Tây", "Xã Vạn Phúc", "Quận Hà Đông", "Phường Hà Đông", "Thành phố Hà Nội"),
    ],
)  # fmt: skip
def test_an_old_ward_with_one_successor_converts(
    province: str, ward: str, district: str, ward_2025: str, province_2025: str
) -> None:
    assert convert(province, ward, district) == (Outcome.CONVERTED, ward_2025, province_2025)


def test_a_2025_address_stays_as_it_is() -> None:
    assert convert("Thanh Hóa", "Phường Hạc Thành") == (
        Outcome.CURRENT, "Phường Hạc Thành", "Thanh Hóa"
    )  # fmt: skip
    by_code = resolve_address("1", "70", "12 Hàng Bạc")
    assert (by_code.outcome, by_code.unit and by_code.unit.ward_name) == (
        Outcome.CURRENT, "Phường Hoàn Kiếm"
    )  # fmt: skip


def test_a_split_ward_is_not_guessed_but_offers_its_successors() -> None:
    found = resolve(unit_table(), legacy_table(), Typed("Hà Nội", "Phường Đội Cấn", "Ba Đình"))
    assert found.outcome is Outcome.AMBIGUOUS and found.unit is None
    assert {u.ward_name for u in found.candidates} == {"Phường Ba Đình", "Phường Ngọc Hà"}
    assert found.province == ("1", "Thành phố Hà Nội")
    assert "cần hỏi lại khách" in found.note


def test_an_unknown_ward_keeps_the_text_and_knows_the_new_province() -> None:
    typed = Typed("Tỉnh Thái Bình", "Xã Không Có Thật", "Huyện Vũ Thư")
    found = resolve(unit_table(), legacy_table(), typed)
    assert (found.outcome, found.unit, found.typed) == (Outcome.UNKNOWN, None, typed)
    assert found.province == ("33", "Hưng Yên")


def test_a_one_line_platform_address_is_read_from_the_right() -> None:
    typed = split_address("Số 5 ngõ 3, Xã Vũ Chính, Thành phố Thái Bình, Tỉnh Thái Bình")
    assert typed == Typed("Tỉnh Thái Bình", "Xã Vũ Chính", "Thành phố Thái Bình", "Số 5 ngõ 3")
    found = resolve_address(None, None, "Số 5 ngõ 3, Xã Vũ Chính, Thành phố Thái Bình, Thái Bình")
    assert found.outcome is Outcome.CONVERTED
    assert found.unit is not None and found.unit.ward_code == "12454"
    assert split_address("12 Lê Lợi, Phường Hạc Thành, Thanh Hóa").district == ""


@pytest.mark.parametrize(
    ("typed", "key"), [("Phường 05", "5"), ("P.5", "5"), ("Xã Vũ Chính", "vu chinh"),
                       ("Thị trấn Cẩm Giang", "cam giang")],
)  # fmt: skip
def test_ward_keys_drop_the_unit_word(typed: str, key: str) -> None:
    assert ward_key(typed) == key
