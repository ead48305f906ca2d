"""Tax rules: periods, who declares a sale, the withheld amounts of Decree 117/2025 and the split
with refunds; the regime advice at the thresholds."""

from __future__ import annotations

from datetime import date

import pytest

from aggregator.core.tax import (
    Declarer,
    Period,
    PeriodError,
    Refund,
    Regime,
    Sale,
    declarer_of,
    parse_period,
    periods_of_year,
    split,
    withheld,
)


def test_periods_cover_the_year_without_gaps() -> None:
    q = [p for p in periods_of_year(2026) if p.kind == "q"]
    assert [(p.first_day, p.last_day) for p in q] == [
        (date(2026, 1, 1), date(2026, 3, 31)), (date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 7, 1), date(2026, 9, 30)), (date(2026, 10, 1), date(2026, 12, 31)),
    ]  # fmt: skip
    h = [p for p in periods_of_year(2026) if p.kind == "h"]
    assert [(p.first_day, p.last_day) for p in h] == [
        (date(2026, 1, 1), date(2026, 6, 30)), (date(2026, 7, 1), date(2026, 12, 31)),
    ]  # fmt: skip
    assert Period(2028, "q", 1).last_day == date(2028, 3, 31)
    assert Period(2026, "h", 2).label == "6 tháng cuối năm 2026"


def test_parse_period() -> None:
    assert parse_period("", date(2026, 8, 15)) == Period(2026, "q", 3)
    assert parse_period("2026-q1", date(2026, 8, 15)) == Period(2026, "q", 1)
    assert parse_period("2026-H2", date(2026, 8, 15)).key == "2026-H2"
    assert parse_period("2025", date(2026, 8, 15)) == Period(2025, "y", 1)
    for bad in ("2026-Q5", "2026-H0", "26-Q1", "2026-X1", "abcd", "2026-Q"):
        with pytest.raises(PeriodError, match="không hợp lệ"):
            parse_period(bad, date(2026, 8, 15))


def test_only_orders_paid_through_the_platform_were_withheld() -> None:
    assert declarer_of("platform") is Declarer.PLATFORM
    for method in ("cod", "vietqr", ""):
        assert declarer_of(method) is Declarer.SELF


def test_withheld_is_one_percent_vat_and_half_percent_pit_rounded_to_the_dong() -> None:
    assert withheld(360_000) == (3_600, 1_800)
    assert withheld(1_234_567) == (12_346, 6_173)  # 12 345.67 -> 12 346; 6 172.835 -> 6 173
    assert withheld(0) == (0, 0)


def test_split_subtracts_each_kinds_refunds() -> None:
    sales = [Sale("A", Declarer.PLATFORM, 400_000), Sale("B", Declarer.SELF, 300_000),
             Sale("C", Declarer.SELF, 200_000)]  # fmt: skip
    refunds = [Refund("B", Declarer.SELF, 50_000)]
    out = split(sales, refunds)
    platform, own = out[Declarer.PLATFORM], out[Declarer.SELF]
    assert (platform.orders, platform.gross_vnd, platform.net_vnd) == (1, 400_000, 400_000)
    assert (platform.vat_withheld_vnd, platform.pit_withheld_vnd) == (4_000, 2_000)
    assert (own.orders, own.gross_vnd, own.refunds, own.net_vnd) == (2, 500_000, 1, 450_000)
    assert own.vat_withheld_vnd == own.pit_withheld_vnd == 0


def test_regime_advice_at_the_thresholds() -> None:
    below = Regime(200_000_000, 500_000_000)
    assert not below.above_threshold and not below.cash_register
    assert any("2 lần một năm" in line for line in below.advice)
    above = Regime(600_000_000, 500_000_000)
    assert above.above_threshold and any("theo quý" in line for line in above.advice)
    big = Regime(1_000_000_000, 500_000_000)
    assert big.cash_register and any("máy tính tiền" in line for line in big.advice)
