"""The pure personal-data rules: the notice, the schedule, the request and breach clocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aggregator.core.privacy import (
    DEFAULT_DAYS,
    DataKind,
    ScheduleError,
    breach_clock,
    buyer_notice,
    days_left,
    due_text,
    read_schedule,
    schedule,
)

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def test_the_notice_names_controller_purpose_recipients_retention_and_rights() -> None:
    days = schedule({"addresses": 60})
    notice = buyer_notice("HTX Mật ong Nghệ An", days)
    text = notice.body
    assert "HTX Mật ong Nghệ An (bên kiểm soát dữ liệu)" in text
    assert "Mục đích" in text and "đơn vị vận chuyển" in text and "không được bán" in text
    assert "60 ngày sau khi đơn kết thúc" in text and "bình luận 90 ngày" in text
    assert "yêu cầu xoá" in text and "rút lại sự đồng ý" in text
    # The same words hash the same; other words (a changed schedule) are another notice.
    assert notice.sha256 == buyer_notice("HTX Mật ong Nghệ An", days).sha256
    assert notice.sha256 != buyer_notice("HTX Mật ong Nghệ An", schedule({})).sha256


def test_the_schedule_takes_the_directors_figures_over_the_defaults() -> None:
    assert schedule({}) == DEFAULT_DAYS
    assert schedule({"comments": 30, "unknown": 5})[DataKind.COMMENTS] == 30
    form = {"comments": "30", "deliveries": "7", "addresses": "60", "messages": "45"}
    assert read_schedule(form)[DataKind.DELIVERIES] == 7
    for bad in ("0", "3651", "-1", "1.5", "", "ba mươi"):
        with pytest.raises(ScheduleError):
            read_schedule({**form, "messages": bad})


def test_request_deadlines_read_in_days() -> None:
    due = NOW + timedelta(days=15)
    assert days_left(NOW, due) == 15 and due_text(NOW, due) == "Còn 15 ngày"
    assert due_text(NOW + timedelta(days=14, hours=23), due) == "Hạn hôm nay"
    assert due_text(NOW + timedelta(days=15, hours=1), due) == "Quá hạn 1 ngày"
    assert due_text(NOW + timedelta(days=17, hours=1), due) == "Quá hạn 3 ngày"


def test_the_breach_clock_counts_72_hours_from_discovery() -> None:
    found = NOW - timedelta(hours=70)
    clock = breach_clock(found, None, NOW)
    assert clock.deadline == found + timedelta(hours=72) and not clock.overdue
    assert clock.text == "Còn 2 giờ để báo cáo"
    late = breach_clock(NOW - timedelta(hours=80), None, NOW)
    assert late.overdue and late.text == "Quá hạn báo cáo 8 giờ"
    # Once reported, the clock stops at the report: in time or not, for good.
    assert not breach_clock(found, found + timedelta(hours=71), NOW + timedelta(days=9)).overdue
    assert breach_clock(found, found + timedelta(hours=73), NOW).overdue
