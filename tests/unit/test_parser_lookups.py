"""The parser's faster lookups answer exactly as the plain ones they replace (issue 21, goal 4).

- Phone runs: scan_phones starts at the first place a long run may start and tries a run only
  where nine run characters follow; the reference below is the plain pattern over the whole text
  behind a count of digits, as the parser read phones before.
- Phrases: PhraseIndex looks phrases of two tokens or more up by their first two tokens; the
  reference walks every phrase of the first token, longest first.
tests/parser_readings.py compares whole readings of old and new code over many texts.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings, strategies as st

from aggregator.core.parser.intent import KEYWORD_INDEX
from aggregator.core.parser.lexicon import PhraseIndex, _marks_agree
from aggregator.core.parser.normalize import Text, prepare
from aggregator.core.parser.phone import (
    _CANDIDATE_RE,
    _GROUP_RE,
    _RUN_RE,
    MAX_PHONE_DIGITS,
    MIN_PHONE_DIGITS,
    PhoneScan,
    _phone_in_groups,
    normalize_digits,
    scan_phones,
)
from aggregator.core.parser.quantities import COUNT_UNIT_INDEX, NON_QTY_BEFORE_INDEX

MANY = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PLAIN_RUN_RE = re.compile(r"\(?\+?\d+\)?(?:(?:[\s.\-]{1,3}|(?<=\)))\(?\+?\d+\)?)*")


def reference_scan(folded: str) -> PhoneScan:
    """scan_phones as it was: every run of the plain pattern, behind a count of digits."""
    if sum(c.isdigit() for c in folded) < MIN_PHONE_DIGITS:
        return PhoneScan(None, ())
    phone: str | None = None
    spans: list[tuple[int, int]] = []
    for run in PLAIN_RUN_RE.finditer(folded):
        start, end = run.span()
        if end - start < MIN_PHONE_DIGITS:
            continue
        text = run.group()
        if text.isdigit():
            found = normalize_digits(text) if len(text) <= MAX_PHONE_DIGITS else None
            phone = phone or found
            if found is not None or text[0] in "08":
                spans.append((start, end))
            continue
        parts = _GROUP_RE.findall(text)
        if sum(map(len, parts)) < MIN_PHONE_DIGITS:
            continue
        found, first, last = _phone_in_groups(parts)
        phone = phone or found
        for group in list(_GROUP_RE.finditer(text))[first:last]:
            spans.append((group.start() + start, group.end() + start))
    return PhoneScan(phone, tuple(spans))


# The whitespace \s holds among ASCII characters is in the alphabet: the parser's patterns spell
# their classes out for the ASCII text they search.
phone_like = st.text(alphabet="0123456789 .-()+\nax\t\r\x0b\x0c\x1c\x1f", max_size=48)
pieces = st.lists(
    st.sampled_from([
        "0912345678", "+84", "(+84)", "84", "912", "345", "678", "0", "9", "12", " ", ".", "-",
        "  ", "x2", "a01", "2kg", "\n", "(", ")", "+", "0227", "3812", "sdt", "1", "000",
    ]),
    max_size=14,
).map("".join)  # fmt: skip


@MANY
@given(st.one_of(phone_like, pieces))
def test_phone_runs_are_those_of_the_plain_pattern(folded: str) -> None:
    assert scan_phones(folded) == reference_scan(folded)


@MANY
@given(st.text(max_size=40))
def test_folded_text_is_ascii_as_the_phone_patterns_assume(text: str) -> None:
    """scan_phones reads only folded text, whose digits and spaces are the ASCII ones."""
    assert prepare(text).folded.isascii()


def test_the_spelled_out_classes_hold_the_ascii_characters_of_d_and_s() -> None:
    for char in map(chr, range(128)):
        plain = PLAIN_RUN_RE.fullmatch(f"1234{char}5678") is not None
        assert (_RUN_RE.fullmatch(f"1234{char}5678") is not None) == plain, repr(char)
        assert (_CANDIDATE_RE.match(f"{char}12345678") is not None) == (
            re.match(r"[(+\d][\d\s.\-()+]{8}", f"{char}12345678") is not None
        ), repr(char)


def reference_match(index: PhraseIndex[object], text: Text, at: int) -> tuple[int, object] | None:
    """Every phrase of the token, longest first (stable), the first whose tokens and marks fit."""
    words = text.words
    if at >= len(words):
        return None
    for phrase in index._by_first.get(words[at], []):
        if words[at : at + phrase.size] != phrase.tokens:
            continue
        if text.plain or _marks_agree(text, at, phrase.marks):
            return phrase.found
    return None


WORDS = [
    "cho", "e", "em", "hỏi", "xin", "bớt", "giá", "không", "ko", "k", "lấy", "được", "dc", "đc",
    "có", "mua", "số", "nhà", "hộp", "cái", "sản", "phẩm", "chưa", "nhận", "mã", "đơn", "hủy",
    "bot", "khong", "lay", "hop", "so", "nha", "cảm", "ơn", "chục", ",", "?", "2", "c",
]  # fmt: skip


@MANY
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=8).map(" ".join))
def test_phrase_lookup_by_two_tokens_is_the_longest_match(comment: str) -> None:
    text = prepare(comment)
    for index in (KEYWORD_INDEX, COUNT_UNIT_INDEX, NON_QTY_BEFORE_INDEX):
        for at in range(len(text.words) + 1):
            assert index.match(text, at) == reference_match(index, text, at), (comment, at)
