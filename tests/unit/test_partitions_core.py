"""Month arithmetic of the partitions: made ahead across a year's end, kept months counted."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from aggregator.core.partitions import add_months, months_to_make, oldest_month_kept


def test_months_go_across_years_both_ways() -> None:
    assert add_months(date(2026, 11, 1), 3) == date(2027, 2, 1)
    assert add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert add_months(date(2026, 3, 1), -14) == date(2025, 1, 1)


def test_this_month_and_the_months_ahead_are_made_in_utc() -> None:
    # 06:30 on 1 January in Vietnam is still 31 December in UTC: December's partition holds it.
    hanoi = timezone(timedelta(hours=7))
    now = datetime(2027, 1, 1, 6, 30, tzinfo=hanoi)
    assert months_to_make(now, 2) == [date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1)]


def test_keeping_n_months_keeps_this_one_and_n_minus_one_before() -> None:
    now = datetime(2026, 12, 6, tzinfo=UTC)
    assert oldest_month_kept(now, 0) is None  # keep everything
    assert oldest_month_kept(now, 1) == date(2026, 12, 1)
    assert oldest_month_kept(now, 13) == date(2025, 12, 1)
