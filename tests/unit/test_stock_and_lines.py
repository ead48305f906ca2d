from __future__ import annotations

from hypothesis import given, strategies as st

from aggregator.core.lines import Line, plan_changes
from aggregator.core.stock import StockRequest, allocate, promotable
from schema.enums import ItemStatus


def test_first_comments_win_and_the_rest_wait_in_order() -> None:
    requests = [StockRequest(position=p, qty=1) for p in (30, 10, 20, 40)]
    assert allocate(2, False, requests) == [False, True, True, False]


def test_nobody_jumps_an_existing_waitlist() -> None:
    assert allocate(5, True, [StockRequest(1, 1)]) == [False]


def test_a_request_too_big_blocks_later_ones() -> None:
    assert allocate(2, False, [StockRequest(1, 3), StockRequest(2, 1)]) == [False, False]


@given(st.integers(0, 50), st.lists(st.integers(1, 5), max_size=40))
def test_never_more_than_available(available: int, quantities: list[int]) -> None:
    requests = [StockRequest(i, q) for i, q in enumerate(quantities)]
    granted = allocate(available, False, requests)
    assert sum(q for q, ok in zip(quantities, granted, strict=True) if ok) <= available
    # granted requests form a prefix of the queue
    assert granted == sorted(granted, reverse=True)


def test_promotable_takes_the_head_of_the_queue() -> None:
    assert promotable(3, [1, 2, 1]) == 2
    assert promotable(0, [1]) == 0
    assert promotable(5, [6, 1]) == 0


def test_decrease_gives_back_waitlisted_before_held() -> None:
    lines = [
        Line(1, ("A01", ""), 2, ItemStatus.HELD, 10),
        Line(2, ("A01", ""), 1, ItemStatus.WAITLISTED, 20),
    ]
    increases, shrinks = plan_changes(lines, {("A01", ""): 1}, {})
    assert increases == []
    assert [(s.line.id, s.new_qty) for s in shrinks] == [(2, 0), (1, 1)]


def test_increase_is_planned_with_its_position() -> None:
    increases, shrinks = plan_changes([], {("N01", ""): 2}, {("N01", ""): 7})
    assert shrinks == []
    assert [(i.key, i.qty, i.position) for i in increases] == [(("N01", ""), 2, 7)]
