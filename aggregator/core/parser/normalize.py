"""Text folding and tokenising.

A comment is kept twice, with identical length so that positions agree:
`original` (NFC, as typed) and `folded` (lower-case ASCII: "Chốt" -> "chot", emojis -> spaces).
Rules match on the folded tokens; `diacritic_marks` lets a rule check that a word typed *with*
diacritics really is the word it looks like once folded ("cảm" is not "cam").
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import NamedTuple

from unidecode import unidecode

TOKEN_RE = re.compile(r"[a-z]+|[0-9]+|\n|[^\sa-z0-9]")
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


class Token(NamedTuple):
    """A run of letters, a run of digits, a newline or one punctuation character."""

    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Text:
    """A comment ready for matching: `original` and `folded` have the same length."""

    original: str
    folded: str
    tokens: tuple[Token, ...]

    def raw(self, index: int) -> str:
        """The token as typed (with diacritics and case)."""
        token = self.tokens[index]
        return self.original[token.start : token.end]

    def adjacent(self, left: int, right: int) -> bool:
        """True when token `right` starts exactly where token `left` ends (no space)."""
        return self.tokens[left].end == self.tokens[right].start


@lru_cache(maxsize=2048)
def _fold_char(char: str) -> str:
    if unicodedata.combining(char):
        return ""
    ascii_form = unidecode(char)
    if len(ascii_form) == 1 and ascii_form.isalnum():
        return ascii_form.lower()
    return " "


def clean(text: str) -> str:
    """NFC-compose and drop stray combining marks, so one character folds to one character."""
    if text.isascii():
        return text
    composed = unicodedata.normalize("NFC", text)
    return "".join(c for c in composed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lower-case ASCII of the same length as `text` (which must already be `clean`)."""
    folded = text.translate(FOLD_TABLE)
    if folded.isascii():
        return folded
    return "".join(c if c.isascii() else (_fold_char(c) or " ") for c in folded)


def prepare(text: str) -> Text:
    """Clean, fold and tokenise a comment."""
    original = clean(text)
    folded = fold(original)
    tokens = tuple(Token(m.group(), m.start(), m.end()) for m in TOKEN_RE.finditer(folded))
    return Text(original, folded, tokens)


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


def marks_compatible(written: str, expected: str) -> bool:
    """A word typed with `written` marks may be the word with `expected` marks.

    Missing marks are fine (people drop diacritics); a mark the expected word lacks is not.
    """
    if not written or written == expected:
        return True
    return not Counter(written) - Counter(expected)
