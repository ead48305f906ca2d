"""Merge rules: how a buyer's new comments change their one open order in a live. Pure.

The rules, each tested in tests/unit/test_merge_rules.py:

1. A comment whose text repeats one the same buyer wrote in this live within REPEAT_WINDOW
   (compared case-, accent- and space-insensitively) is a repeat and changes nothing. Buyers
   repeat "chốt A01 x2" for fear of being missed; that must never double the order.
2. An order comment naming a product already in the order restates it: the line's quantity
   becomes the new one ("A01 x2" then "A01 x3" -> 3). With an add word ("thêm", "nữa", "more",
   "+") it adds instead ("A01 x2" then "thêm 1 A01" -> 3).
3. A cancel comment naming a product removes that line, or only reduces it when the comment says
   how many or uses a reducing word ("bớt 1 A01", "hủy 1 hộp, lấy 2 thôi").
4. A cancel comment naming no product cancels the whole order. Removing every line does too.
5. An order comment naming no product we sell ("+1", "ib", "chốt mã A09") becomes an unclear
   line for staff when the order has nothing else in it.
6. Questions and chatter change nothing.
7. A buyer who edits or removes a comment already merged gets each line that comment named (before
   or after the edit) recomputed from all their comments that still stand in the live, oldest
   first: "chốt A01 x2" edited to "chốt A01 x3" gives 3, a removed comment takes back what it
   ordered. Lines it never named keep what they were (staff changes, other channels' lines).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from aggregator.core.parser.normalize import fold
from schema.parsing import Intent, ParsedItem

REPEAT_WINDOW = timedelta(minutes=10)
UNCLEAR_CODE = ""

LineKey = tuple[str, str]  # (product code, variant or "")

_ADD_WORDS = re.compile(r"(?:^|\s)(?:them|nua|more|add|\+)(?:\s|$|\d)")
_REDUCE_WORDS = re.compile(r"(?:^|\s)(?:bot|giam|thoi|bớt|giảm)(?:\s|$)")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class BuyerComment:
    """One stored, parsed comment of a buyer, in arrival order."""

    comment_id: int
    text: str
    intent: Intent
    items: tuple[ParsedItem, ...]
    commented_at: datetime


@dataclass(slots=True)
class MergeResult:
    """What the buyer's order should look like after their comments."""

    desired: dict[LineKey, int]
    # The comment that first asked for each line: its id is the line's place in a waitlist.
    first_comment: dict[LineKey, int] = field(default_factory=dict)
    cancel_order: bool = False
    repeats: list[int] = field(default_factory=list)
    applied: list[int] = field(default_factory=list)

    @property
    def wants_anything(self) -> bool:
        return any(qty > 0 for qty in self.desired.values())


# Called three times per merged comment and once per comment of the buyer's recent history: under
# a live the same few hundred texts ("chốt", "A01 x2") come back thousands of times, so remember.
@lru_cache(maxsize=4096)
def repeat_key(text: str) -> str:
    """Text as compared for rule 1: accents, case and spacing do not matter."""
    return _SPACES.sub(" ", fold(text)).strip()


def _line_key(item: ParsedItem) -> LineKey:
    return (item.code, item.variant or "")


def _has_add_word(text: str) -> bool:
    return _ADD_WORDS.search(f" {repeat_key(text)} ") is not None


def _is_reduction(text: str, items: Iterable[ParsedItem]) -> bool:
    folded = repeat_key(text)
    if _REDUCE_WORDS.search(f" {folded} ") is not None:
        return True
    return any(item.qty > 1 for item in items)


def _apply_order(result: MergeResult, comment: BuyerComment) -> None:
    add = _has_add_word(comment.text)
    if not comment.items:
        if not result.wants_anything:
            result.desired[(UNCLEAR_CODE, "")] = 1
            result.first_comment.setdefault((UNCLEAR_CODE, ""), comment.comment_id)
        return
    result.desired.pop((UNCLEAR_CODE, ""), None)
    for item in comment.items:
        key = _line_key(item)
        current = result.desired.get(key, 0)
        result.desired[key] = current + item.qty if add else item.qty
        if current == 0:
            result.first_comment[key] = comment.comment_id
    result.cancel_order = False


def _apply_cancel(result: MergeResult, comment: BuyerComment) -> None:
    if not comment.items:
        result.desired = dict.fromkeys(result.desired, 0)
        result.cancel_order = True
        return
    reduce = _is_reduction(comment.text, comment.items)
    for item in comment.items:
        key = _line_key(item)
        if key in result.desired:
            result.desired[key] = max(0, result.desired[key] - item.qty) if reduce else 0
    if result.desired and not result.wants_anything:
        result.cancel_order = True


def merge_comments(
    current: Mapping[LineKey, int],
    comments: Iterable[BuyerComment],
    recent: Mapping[str, datetime],
) -> MergeResult:
    """Apply a buyer's new comments, oldest first, to their current lines.

    `current` maps each line of the open order to its quantity (empty when there is no order);
    `recent` maps the repeat key of each comment the buyer wrote earlier in this live to its time.
    """
    result = MergeResult(desired=dict(current))
    seen = dict(recent)
    for comment in comments:
        key = repeat_key(comment.text)
        last = seen.get(key)
        seen[key] = comment.commented_at
        if key and last is not None and abs(comment.commented_at - last) <= REPEAT_WINDOW:
            result.repeats.append(comment.comment_id)
            continue
        if comment.intent is Intent.ORDER:
            _apply_order(result, comment)
        elif comment.intent is Intent.CANCEL:
            _apply_cancel(result, comment)
        else:
            continue
        result.applied.append(comment.comment_id)
    return result


def recompute(
    result: MergeResult,
    history: Iterable[BuyerComment],
    lines: Iterable[LineKey],
    revised: Iterable[int],
) -> MergeResult:
    """Rule 7: `result` (the buyer's new comments merged as usual) with each of `lines` set to
    what the buyer's standing `history` in the live gives it; `revised` are the edited or
    removed comments. The same history always gives the same lines, so merging again is a no-op."""
    replay = merge_comments({}, history, {})
    for key in lines:
        result.desired[key] = replay.desired.get(key, 0)
        if key in replay.first_comment:
            result.first_comment[key] = replay.first_comment[key]
    result.applied.extend(revised)
    if result.desired and not result.wants_anything:
        result.cancel_order = True
    return result


def named_lines(items: Iterable[ParsedItem]) -> set[LineKey]:
    """The lines a comment's items name (an edit recomputes these)."""
    return {_line_key(item) for item in items}
