"""Text folding and tokenising.

A comment is kept twice, with identical length so that positions agree:
`original` (NFC, as typed) and `folded` (lower-case ASCII: "Chốt" -> "chot", emojis -> spaces).
Rules match on the folded tokens; `diacritic_marks` lets a rule check that a word typed *with*
diacritics really is the word it looks like once folded ("cảm" is not "cam").
Folded words have runs of a repeated letter collapsed ("chốttttt" -> "chot", "nhaaa" -> "nha"):
a Vietnamese syllable never doubles a letter, so a run is emphasis. Phrases are folded the same
way (`fold_word`), so English words such as "free" still match.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from types import MappingProxyType

from unidecode import unidecode

TOKEN_RE = re.compile(r"[a-z]+|[0-9]+|\n|[^\sa-z0-9]")
_SPLIT_RE = re.compile(f"({TOKEN_RE.pattern})")  # split() keeps the tokens between the gaps
_REPEAT_RE = re.compile(r"([a-z])\1")  # is there a doubled letter? (cheaper than the run below)
_RUN_RE = re.compile(r"([a-z])\1+")
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")
_LATIN_RANGES = (range(0xC0, 0x250), range(0x1E00, 0x1F00))


def _build_fold_table() -> dict[int, str]:
    table = {cp: chr(cp + 32) for cp in range(ord("A"), ord("Z") + 1)}
    for block in _LATIN_RANGES:
        for cp in block:
            decomposed = unicodedata.normalize("NFD", chr(cp))
            base = "".join(c for c in decomposed if not unicodedata.combining(c))
            if len(base) == 1 and base.isascii() and base.isalpha():
                table[cp] = base.lower()
    table[ord("đ")] = "d"
    table[ord("Đ")] = "d"
    return table


FOLD_TABLE = MappingProxyType(_build_fold_table())
# str.translate looks each character up in its table; a plain dict answers faster than the proxy.
_FOLD_DICT = dict(FOLD_TABLE)


Span = tuple[int, int]


# Not frozen: a frozen dataclass pays object.__setattr__ per field, once per comment.
@dataclass(slots=True)
class Text:
    """A comment ready for matching: `original` and `folded` have the same length.

    Tokens are runs of letters, runs of digits, newlines or single punctuation characters;
    `words[i]` is token i's folded text (repeated letters collapsed) and `spans[i]` its position.
    """

    original: str
    folded: str
    words: tuple[str, ...]
    spans: tuple[Span, ...]
    plain: bool  # the original is ASCII: no diacritics to check

    def raw(self, index: int) -> str:
        """The token as typed (with diacritics and case)."""
        start, end = self.spans[index]
        return self.original[start:end]

    def adjacent(self, left: int, right: int) -> bool:
        """True when token `right` starts exactly where token `left` ends (no space)."""
        if left < 0 or right >= len(self.spans):
            return False
        return self.spans[left][1] == self.spans[right][0]


@lru_cache(maxsize=2048)
def _fold_char(char: str) -> str:
    if unicodedata.combining(char):
        return ""
    ascii_form = unidecode(char)
    if len(ascii_form) == 1 and ascii_form.isalnum():
        return ascii_form.lower()
    return " "


_is_normalized = unicodedata.is_normalized


def clean(text: str) -> str:
    """NFC-compose, so that a Vietnamese letter with its marks is one character."""
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


def _fold_match(match: re.Match[str]) -> str:
    return _fold_char(match.group()) or " "


def fold(text: str) -> str:
    """Lower-case ASCII of the same length as `text`: one character folds to one character."""
    if text.isascii():
        return text.lower()  # the table's only ASCII entries are A-Z -> a-z
    folded = text.translate(_FOLD_DICT)
    if folded.isascii():
        return folded
    return _NON_ASCII_RE.sub(_fold_match, folded)


def fold_word(word: str) -> str:
    """A folded token with runs of one letter collapsed: "chottt" -> "chot", "okk" -> "ok".

    A token of a single repeated letter ("kkk" laughter, "www") is left alone.
    """
    if len(set(word)) < 2:
        return word
    return _RUN_RE.sub(r"\1", word)


# A space never lies inside a token, and folding maps each character on its own, so a comment
# is the concatenation of its space-separated pieces. The same pieces ("chốt", "A01", "x2",
# "hộp", "nhé,") come back comment after comment: each is folded and tokenised once and kept
# here (bounded: emptied when full), which cost a tenth of a reading before.
# (folded, words, spans within the piece); spans None for most pieces, one token that fills the
# piece ("chốt", "A01", "2"), whose span `prepare` makes without a loop.
Piece = tuple[str, tuple[str, ...], tuple[Span, ...] | None]
_PIECES: dict[str, Piece] = {}
PIECE_MEMO_SIZE = 10_000  # ≈ 700 bytes a piece at worst: 7 MB


def _piece(piece: str) -> Piece:
    folded = fold(piece)
    # [gap, token, gap, token, ..., gap]: the running lengths of the parts give every token's
    # start and end, so words and spans come out of C calls without a Python loop per token.
    parts = _SPLIT_RE.split(folded)
    ends = list(accumulate(map(len, parts)))
    spans = tuple(zip(ends[0:-1:2], ends[1::2], strict=True))
    words = parts[1::2]
    if _REPEAT_RE.search(folded) is not None:
        words = [fold_word(w) if w.isalpha() else w for w in words]
    if spans == ((0, len(piece)),):
        return folded, tuple(words), None
    return folded, tuple(words), spans


def prepare(text: str) -> Text:
    """Clean, fold and tokenise a comment."""
    # clean(text), without the call
    original = text if text.isascii() or _is_normalized("NFC", text) else clean(text)
    memo = _PIECES
    folded: list[str] = []
    words: list[str] = []
    spans: list[Span] = []
    offset = 0
    for piece in original.split(" "):
        known = memo.get(piece)
        if known is None:
            if piece.isdigit() and piece.isascii():  # a phone number, an order id: one token,
                known = (piece, (piece,), None)  # and not worth remembering
            else:
                known = _piece(piece)
                if len(memo) >= PIECE_MEMO_SIZE:
                    memo.clear()
                memo[piece] = known
        folded.append(known[0])
        words += known[1]
        inside = known[2]
        if inside is None:  # one token, the whole piece
            end = offset + len(piece)
            spans.append((offset, end))
            offset = end + 1
            continue
        for start, end in inside:  # a loop, not a comprehension: few pieces hold two tokens
            spans.append((start + offset, end + offset))
        offset += len(piece) + 1
    return Text(original, " ".join(folded), tuple(words), tuple(spans), original.isascii())


@lru_cache(maxsize=8192)
def diacritic_marks(word: str) -> str:
    """The diacritics of a word as a sorted string of combining marks ("đ" counts as one)."""
    if word.isascii():
        return ""
    marks = [
        c
        for c in unicodedata.normalize("NFD", word.lower())
        if c == "đ" or unicodedata.combining(c)
    ]
    return "".join(sorted(marks))


@lru_cache(maxsize=4096)
def marks_compatible(written: str, expected: str) -> bool:
    """A word typed with `written` marks may be the word with `expected` marks.

    Missing marks are fine (people drop diacritics); a mark the expected word lacks is not.
    """
    if not written or written == expected:
        return True
    return not Counter(written) - Counter(expected)
