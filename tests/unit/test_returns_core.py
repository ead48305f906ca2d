"""Returns rules, pure: the window, the buyer's form, refund limits and methods, the state table,
and the staff figures' counts and medians."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aggregator.core.figures import (
    ANSWERED,
    CONFIRMED,
    PACKED,
    Act,
    by_live,
    by_person,
    minutes_text,
)
from aggregator.core.returns import (
    DEFAULT_WINDOW_DAYS,
    may_open,
    news_text,
    read_return_form,
    refund_limit,
    refund_methods,
    transfer_reference,
    window_days,
)
from schema.enums import RefundMethod, ReturnCause
from schema.states import RETURN_ALLOWED_FROM, RETURN_FINAL_STATUSES, ReturnStatus

NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)
GOOD = {"back_7": "1", "cause": "spoiled", "note": " nem bị chua quá ", "bank": "970405",
        "account_no": "1234-5678 9", "account_name": "  tran  van   hung "}  # fmt: skip


@pytest.mark.parametrize(
    ("settings", "days"),
    [({}, DEFAULT_WINDOW_DAYS), ({"return_window_days": 0}, 0), ({"return_window_days": 30}, 30),
     ({"return_window_days": 61}, DEFAULT_WINDOW_DAYS), ({"return_window_days": "9"}, 7),
     ({"return_window_days": True}, 7)],
)  # fmt: skip
def test_window_days_come_from_the_director_or_the_default(settings: dict, days: int) -> None:  # type: ignore[type-arg]
    assert window_days(settings) == days


@pytest.mark.parametrize(
    ("delivered", "days", "open_"),
    [(NOW - timedelta(days=6), 7, True), (NOW - timedelta(days=7), 7, True),
     (NOW - timedelta(days=7, seconds=1), 7, False), (NOW, 0, False), (None, 7, False)],
)  # fmt: skip
def test_a_return_opens_only_within_the_window_after_delivery(
    delivered: datetime | None, days: int, open_: bool
) -> None:
    assert may_open(delivered, days, NOW) is open_


def test_a_good_form_is_read_with_its_account_cleaned() -> None:
    reading = read_return_form(GOOD, {7: 3, 8: 1})
    assert reading.errors == {}
    assert reading.request is not None
    assert reading.request.quantities == {7: 1}
    assert reading.request.cause is ReturnCause.SPOILED
    assert (reading.request.account_no, reading.request.account_name) == (
        "123456789",
        "TRAN VAN HUNG",
    )
    assert reading.request.note == "nem bị chua quá"


@pytest.mark.parametrize(
    ("change", "field"),
    [({"back_7": "4"}, "back_7"), ({"back_7": "-1"}, "back_7"), ({"back_7": "0"}, "lines"),
     ({"cause": "bored"}, "cause"), ({"cause": ""}, "cause"), ({"bank": "123456"}, "bank"),
     ({"account_no": "12"}, "account_no"), ({"account_no": "12345678901234567890"}, "account_no"),
     ({"account_name": " "}, "account_name"), ({"note": "x" * 1001}, "note")],
)  # fmt: skip
def test_each_wrong_field_is_named_and_nothing_is_read(change: dict, field: str) -> None:  # type: ignore[type-arg]
    reading = read_return_form({**GOOD, **change}, {7: 3})
    assert reading.request is None
    assert field in reading.errors


def test_refunds_never_exceed_what_the_order_cost_and_cod_only_when_not_collected() -> None:
    assert refund_limit(360_000, 180_000) == 180_000
    assert refund_limit(360_000, 400_000) == 0
    assert refund_methods("vietqr", True) == (RefundMethod.TRANSFER,)
    assert RefundMethod.COD_NOT_COLLECTED in refund_methods("cod", False)
    assert transfer_reference("CD0000042") == "HOAN TIEN CD0000042"


def test_the_return_state_table_has_two_ends_and_no_way_back() -> None:
    assert {ReturnStatus.REFUSED, ReturnStatus.REFUNDED} == RETURN_FINAL_STATUSES
    for target, sources in RETURN_ALLOWED_FROM.items():
        assert not sources & RETURN_FINAL_STATUSES, target
    assert RETURN_ALLOWED_FROM[ReturnStatus.RECEIVED] == {ReturnStatus.ACCEPTED}


def test_figures_count_per_person_and_live_with_medians_in_minutes() -> None:
    acts = [
        Act("staff:1", "Chị Lan", 5, CONFIRMED),
        Act("staff:1", "Chị Lan", 5, PACKED, 120.0),
        Act("staff:1", "Chị Lan", 6, PACKED, 600.0),
        Act("staff:1", "Chị Lan", 6, PACKED, 300.0),
        Act("staff:2", "Anh Hùng", None, PACKED, None),
        Act("chotdon", "chotdon (tự động)", 5, ANSWERED, 3.0),
    ]
    people = {r.key: r for r in by_person(acts)}
    lan = people["staff:1"]
    assert (lan.confirmed, lan.packed, lan.answered, lan.median_pack_min) == (1, 3, 0, 5.0)
    assert people["staff:2"].median_pack_min is None
    assert people["chotdon"].median_answer_min == 0.1
    lives = by_live(acts, {6: "Live sáng · 06/12/2026 08:00", 5: "Live tối · 05/12/2026 20:00"})
    assert [r.label for r in lives] == [
        "Live sáng · 06/12/2026 08:00", "Live tối · 05/12/2026 20:00", "Không thuộc buổi live",
    ]  # fmt: skip
    assert minutes_text(4.5) == "4,5 phút" and minutes_text(None) == "–"


def test_the_buyer_is_told_each_decision_in_vietnamese() -> None:
    accepted = news_text(ReturnStatus.ACCEPTED, "CD1", send="buyer_sends", ship_to="HTX, Thôn Đông")
    assert accepted == (
        "Shop đã đồng ý cho trả hàng đơn CD1. Anh/chị vui lòng gửi hàng về HTX, Thôn Đông, ghi mã "
        "đơn CD1 trên gói hàng."
    )
    assert "Lý do: hết hạn" in (news_text(ReturnStatus.REFUSED, "CD1", reason="hết hạn") or "")
    assert news_text(ReturnStatus.RECEIVED, "CD1") is None
