"""Tokenising piece by piece (issue 21, goal 4) gives what tokenising the whole comment gave.

`prepare` folds and tokenises each space-separated piece once and remembers it; the reference
below is the whole-text way it replaced: fold the comment, cut it with TOKEN_RE, collapse runs of
a letter when the comment has any. Both must agree on text, folded text, words and positions.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from aggregator.core.parser import normalize
from aggregator.core.parser.normalize import TOKEN_RE, Text, clean, fold, fold_word, prepare

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PIECES = [
    "Chốt", "A01", "x2", "hộp,", "nhé", "0912.345.678", "+84", "(+84)912", "chốtttt", "ĐẶT",
    "2kg", "1tr2", "😍", "ạ", "\n", "\t", "\u00a0", "a\u0301", "\u0301", "", "ǅ", "ﬁ", "½",
]  # fmt: skip
comment_text = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(PIECES), max_size=12).map(" ".join),
    st.lists(st.one_of(st.sampled_from(PIECES), st.sampled_from([" ", "  "])), max_size=14).map(
        "".join
    ),
)


def _whole_text(text: str) -> Text:
    original = clean(text)
    folded = fold(original)
    spans = tuple(m.span() for m in TOKEN_RE.finditer(folded))
    words = [folded[start:end] for start, end in spans]
    if normalize._REPEAT_RE.search(folded) is not None:
        words = [fold_word(w) if w.isalpha() else w for w in words]
    return Text(original, folded, tuple(words), spans, original.isascii())


@FAST
@given(comment_text)
def test_pieces_give_the_whole_text_tokens(text: str) -> None:
    assert prepare(text) == _whole_text(text)
    assert prepare(text) == _whole_text(text)  # the second time from remembered pieces


def test_known_comment_positions() -> None:
    text = prepare("Chốt  A01 x2,sđt 0912.345.678")
    assert text.folded == "chot  a01 x2,sdt 0912.345.678"
    assert text.words[:6] == ("chot", "a", "01", "x", "2", ",")
    assert text.spans[:3] == ((0, 4), (6, 7), (7, 9))
    assert text.raw(0) == "Chốt" and text.adjacent(1, 2) and not text.adjacent(0, 1)


def test_the_memo_of_pieces_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    limit = 50
    monkeypatch.setattr(normalize, "PIECE_MEMO_SIZE", limit)
    monkeypatch.setattr(normalize, "_PIECES", {})
    for number in range(limit * 3):
        assert prepare(f"lấy {number}x{number} hộp") == _whole_text(f"lấy {number}x{number} hộp")
        assert len(normalize._PIECES) <= limit
