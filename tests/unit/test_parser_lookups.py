"""The parser's faster lookups answer exactly as the plain ones they replace (issue 21, goal 4).

- Phone runs: scan_phones starts at the first place a long run may start and tries a run only
  where nine run characters follow; the reference below is the plain pattern over the whole text
  behind a count of digits, as the parser read phones before.
- Phrases: PhraseIndex looks phrases of two tokens or more up by their first two tokens; the
  reference walks every phrase of the first token, longest first.
- Codes: a catalog keeps code_for's answers for the digits of its own codes; the reference is
  the general answer.
- Items: `assign` reads a comment with one product without the Assigner's machinery for
  several; the reference is the Assigner itself.
tests/parser_readings.py compares whole readings of old and new code over many texts.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings, strategies as st

from aggregator.cli.parse import BENCH_CATALOG
from aggregator.core.parser import catalog_from_data
from aggregator.core.parser.assign import Assigner, assign
from aggregator.core.parser.elements import Each, Element, Product, Quantity, Separator, Weight
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
from aggregator.core.parser.variants import Dimension, Measure

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


BENCH = catalog_from_data(BENCH_CATALOG)
# Weights the bench catalogue sells as variants (M02 500ml/1l, V05 1-5kg) and some it does not.
MEASURES = [Measure(Dimension.MASS, g) for g in (500, 1000, 2000, 5000)] + [
    Measure(Dimension.VOLUME, ml) for ml in (500, 1000)
]
NOT_PRODUCTS = st.one_of(
    st.builds(Quantity, st.integers(1, 5), st.booleans(), st.booleans()),
    st.builds(Weight, st.sampled_from(MEASURES)),
    st.builds(Each, st.integers(1, 3)),
    st.builds(Separator, st.just(0), st.booleans()),
)
A_PRODUCT = st.builds(Product, st.sampled_from(["A01", "M02", "V05", "N01", None]), st.booleans())


@st.composite
def one_product(draw: st.DrawFn) -> list[Element]:
    """Elements with at most one product among them."""
    elements = draw(st.lists(NOT_PRODUCTS, max_size=6))
    if draw(st.booleans()):
        elements.insert(draw(st.integers(0, len(elements))), draw(A_PRODUCT))
    return elements


@MANY
@given(one_product())
def test_items_of_one_product_are_those_of_the_assigner(elements: list[Element]) -> None:
    assert assign(elements, BENCH) == Assigner(elements, BENCH).run(), elements


@MANY
@given(st.lists(st.one_of(NOT_PRODUCTS, A_PRODUCT), max_size=8))
def test_items_of_any_elements_are_those_of_the_assigner(elements: list[Element]) -> None:
    assert assign(elements, BENCH) == Assigner(elements, BENCH).run(), elements


def test_kept_code_answers_are_the_general_ones() -> None:
    catalog = catalog_from_data([
        {"code": c, "name": c, "price": 1} for c in ("A01", "A1", "B007", "05", "C0", "DD12")
    ])  # fmt: skip
    digit_strings = [f"{n:0{width}d}" for width in (1, 2, 3, 4) for n in range(10**width)]
    for prefix in ("a", "b", "", "c", "dd", "x"):
        for digits in digit_strings:
            assert catalog.code_for(prefix, digits) == catalog._code_for(prefix, digits)
