"""The merge rules of aggregator/core/merge.py, one test per rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aggregator.core.merge import (
    REPEAT_WINDOW,
    UNCLEAR_CODE,
    BuyerComment,
    MergeResult,
    merge_comments,
    recompute,
)
from schema.parsing import Intent, ParsedItem

T0 = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)


def c(
    cid: int, text: str, intent: Intent, *items: tuple[str, int], minutes: float = 0
) -> BuyerComment:
    parsed = tuple(ParsedItem(code=code, qty=qty) for code, qty in items)
    return BuyerComment(cid, text, intent, parsed, T0 + timedelta(minutes=minutes))


def test_same_text_repeated_within_the_window_is_ignored() -> None:
    result = merge_comments(
        {},
        [
            c(1, "chốt A01 x2", Intent.ORDER, ("A01", 2)),
            c(2, "Chot  a01 X2", Intent.ORDER, ("A01", 2), minutes=1),
        ],
        {},
    )
    assert result.desired == {("A01", ""): 2}
    assert result.repeats == [2]


def test_repeat_of_a_comment_merged_earlier_is_ignored() -> None:
    result = merge_comments(
        {("A01", ""): 2}, [c(5, "chốt A01 x2", Intent.ORDER, ("A01", 2))], {"chot a01 x2": T0}
    )
    assert result.repeats == [5]
    assert result.desired == {("A01", ""): 2}


def test_same_text_after_the_window_restates_and_does_not_double() -> None:
    later = REPEAT_WINDOW.total_seconds() / 60 + 1
    result = merge_comments(
        {},
        [
            c(1, "chốt A01 x2", Intent.ORDER, ("A01", 2)),
            c(2, "chốt A01 x2", Intent.ORDER, ("A01", 2), minutes=later),
        ],
        {},
    )
    assert result.repeats == []
    assert result.desired == {("A01", ""): 2}


def test_restating_a_product_sets_the_new_quantity() -> None:
    result = merge_comments({("A01", ""): 2}, [c(3, "A01 x3", Intent.ORDER, ("A01", 3))], {})
    assert result.desired == {("A01", ""): 3}


def test_add_word_adds_to_the_line() -> None:
    result = merge_comments({("A01", ""): 2}, [c(3, "thêm 1 A01", Intent.ORDER, ("A01", 1))], {})
    assert result.desired == {("A01", ""): 3}


def test_different_products_merge_into_the_same_order() -> None:
    result = merge_comments(
        {},
        [c(1, "chốt A01", Intent.ORDER, ("A01", 1)), c(2, "2 hộp nem", Intent.ORDER, ("N01", 2))],
        {},
    )
    assert result.desired == {("A01", ""): 1, ("N01", ""): 2}
    assert result.first_comment == {("A01", ""): 1, ("N01", ""): 2}


def test_cancel_naming_a_product_removes_its_line() -> None:
    result = merge_comments(
        {("A01", ""): 3, ("N01", ""): 1}, [c(4, "hủy A01", Intent.CANCEL, ("A01", 1))], {}
    )
    assert result.desired == {("A01", ""): 0, ("N01", ""): 1}
    assert not result.cancel_order


def test_reducing_word_takes_back_only_the_quantity_named() -> None:
    result = merge_comments(
        {("N01", ""): 3}, [c(4, "bớt 1 hộp nem", Intent.CANCEL, ("N01", 1))], {}
    )
    assert result.desired == {("N01", ""): 2}


def test_cancel_with_a_quantity_reduces() -> None:
    result = merge_comments(
        {("N01", ""): 3}, [c(4, "hủy 2 hộp nem", Intent.CANCEL, ("N01", 2))], {}
    )
    assert result.desired == {("N01", ""): 1}


def test_cancel_without_product_cancels_the_whole_order() -> None:
    result = merge_comments({("A01", ""): 1}, [c(4, "ko lấy nữa nhé", Intent.CANCEL)], {})
    assert result.cancel_order
    assert not result.wants_anything


def test_removing_every_line_cancels_the_order() -> None:
    result = merge_comments({("A01", ""): 1}, [c(4, "hủy A01", Intent.CANCEL, ("A01", 1))], {})
    assert result.cancel_order


def test_order_after_cancel_revives_the_order() -> None:
    result = merge_comments(
        {("A01", ""): 1},
        [c(4, "hủy đơn", Intent.CANCEL), c(5, "à thôi lấy 2 nem", Intent.ORDER, ("N01", 2))],
        {},
    )
    assert not result.cancel_order
    assert result.desired[("N01", "")] == 2


def test_order_without_product_becomes_an_unclear_line_when_nothing_else() -> None:
    result = merge_comments({}, [c(1, "+1", Intent.ORDER)], {})
    assert result.desired == {(UNCLEAR_CODE, ""): 1}
    followed = merge_comments(
        {(UNCLEAR_CODE, ""): 1}, [c(2, "A01 nhé", Intent.ORDER, ("A01", 1))], {}
    )
    assert followed.desired == {("A01", ""): 1}


def test_order_without_product_changes_nothing_when_the_order_has_lines() -> None:
    result = merge_comments({("A01", ""): 1}, [c(2, "chốt", Intent.ORDER)], {})
    assert result.desired == {("A01", ""): 1}


def test_questions_and_chatter_change_nothing() -> None:
    result = merge_comments(
        {("A01", ""): 1},
        [c(2, "A01 còn không", Intent.QUESTION), c(3, "ngon quá", Intent.OTHER)],
        {},
    )
    assert result.desired == {("A01", ""): 1}
    assert result.applied == []


# Rule 7: edits and removals of comments already merged.
A01, N01 = ("A01", ""), ("N01", "")


def test_an_edited_quantity_replaces_what_the_comment_ordered() -> None:
    edited = [c(1, "chốt A01 x3", Intent.ORDER, ("A01", 3))]  # was "chốt A01 x2"
    result = recompute(MergeResult(desired={A01: 2}), edited, {A01}, [1])
    assert (result.desired, result.applied, result.cancel_order) == ({A01: 3}, [1], False)


def test_an_edit_keeps_what_later_comments_added() -> None:
    history = [
        c(1, "chốt A01 x5", Intent.ORDER, ("A01", 5)),  # was "chốt A01 x2", then "thêm 1 A01"
        c(2, "thêm 1 A01", Intent.ORDER, ("A01", 1), minutes=1),
    ]
    result = recompute(MergeResult(desired={A01: 3}), history, {A01}, [1])
    assert result.desired == {A01: 6}


def test_an_edit_to_another_product_moves_the_line_and_leaves_others() -> None:
    history = [c(1, "chốt N01", Intent.ORDER, ("N01", 1))]  # was "chốt A01"; B01 came by phone
    result = recompute(MergeResult(desired={A01: 1, ("B01", ""): 2}), history, {A01, N01}, [1])
    assert result.desired == {A01: 0, N01: 1, ("B01", ""): 2}


def test_removing_the_only_comment_cancels_the_order() -> None:
    result = recompute(MergeResult(desired={A01: 2}), [], {A01}, [1])
    assert (result.desired, result.cancel_order) == ({A01: 0}, True)


def test_recomputing_twice_from_the_same_history_changes_nothing() -> None:
    history = [c(1, "chốt A01 x3", Intent.ORDER, ("A01", 3))]
    once = recompute(MergeResult(desired={A01: 2}), history, {A01}, [1])
    again = recompute(MergeResult(desired=dict(once.desired)), history, {A01}, [1])
    assert once.desired == again.desired == {A01: 3}
