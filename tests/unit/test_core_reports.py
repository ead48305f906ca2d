"""Report rules: the director's date range, Vietnam days as UTC instants, CSV for Excel, masking."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from aggregator.core.reports import RangeError, csv_bytes, mask_phone, parse_range, utc_bounds


def test_an_empty_range_is_this_month_so_far_in_vietnam() -> None:
    late_evening_utc = datetime(2026, 3, 31, 18, 0, tzinfo=UTC)  # already 1 April in Vietnam
    assert parse_range("", "", late_evening_utc) == (date(2026, 4, 1), date(2026, 4, 1))
    assert parse_range("2026-03-01", "", late_evening_utc) == (date(2026, 3, 1), date(2026, 4, 1))


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        ("2026-03-05", "2026-03-01", "Ngày kết thúc phải sau ngày bắt đầu."),
        ("01/03/2026", "", "không hợp lệ"),
        ("2025-01-01", "2026-03-01", "tối đa 366 ngày"),
    ],
)
def test_bad_ranges_say_why_in_vietnamese(first: str, last: str, message: str) -> None:
    with pytest.raises(RangeError, match=message):
        parse_range(first, last, datetime(2026, 3, 10, tzinfo=UTC))


def test_vietnam_days_start_at_17_utc_the_day_before() -> None:
    low, high = utc_bounds(date(2026, 3, 1), date(2026, 3, 2))
    assert low == datetime(2026, 2, 28, 17, 0, tzinfo=UTC)
    assert high == datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


def test_phones_keep_only_their_ends() -> None:
    assert mask_phone("0912345678") == "091****678"
    assert mask_phone(None) == "" and mask_phone("12") == "**"


def test_csv_has_a_bom_crlf_and_no_formulas() -> None:
    body = csv_bytes(["Người mua", "Tổng"], [['=HYPERLINK("x")', 360000], ["Lan", -1]])
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert text.split("\r\n")[:3] == ["Người mua,Tổng", '"\'=HYPERLINK(""x"")",360000', "Lan,-1"]


@pytest.mark.parametrize("start", ["\t", "\r"])
def test_csv_guards_cells_starting_with_tab_or_cr(start: str) -> None:
    body = csv_bytes(["Người mua"], [[start + "=cmd|' /C calc'!A0"]]).decode("utf-8-sig")
    row = next(csv.reader(io.StringIO(body.split("\r\n", 1)[1])))
    assert row == ["'" + start + "=cmd|' /C calc'!A0"]
