"""Longest-match lookup of phrases (aliases, keywords, units) over folded tokens.

Phrases are written as people write them, with diacritics ("không lấy", "nửa cân"). They match
folded tokens, so "khong lay" and "KO LẤY" work; a token typed with diacritics must carry no
mark the phrase lacks, so "cảm ơn" never matches the alias "cam".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Generic, TypeVar

from aggregator.core.parser.normalize import (
    TOKEN_RE,
    Text,
    clean,
    diacritic_marks,
    fold,
    fold_word,
    marks_compatible,
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Phrase(Generic[T]):
    """One entry: its folded tokens, the diacritics of each token, and what it means."""

    tokens: tuple[str, ...]
    marks: tuple[str, ...]
    payload: T
    # The phrase as written, from its first token to its last: a comment that shows exactly
    # this has every mark of the phrase (most do, and string equality needs no hash).
    written: str
    size: int = field(init=False)  # len(tokens), read at every match
    found: tuple[int, T] = field(init=False)  # what match() returns: made once, not per hit

    def __post_init__(self) -> None:
        object.__setattr__(self, "size", len(self.tokens))
        object.__setattr__(self, "found", (self.size, self.payload))


def _phrase_parts(phrase: str) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """Folded tokens of a phrase, the diacritic marks of each token, and the phrase as written
    (NFC) from its first token to its last."""
    original = clean(phrase.strip())
    folded = fold(original)
    spans = [(m.group(), m.start(), m.end()) for m in TOKEN_RE.finditer(folded)]
    tokens = tuple(fold_word(text) if text.isalpha() else text for text, _, _ in spans)
    marks = tuple(diacritic_marks(original[start:end]) for _, start, end in spans)
    written = original[spans[0][1] : spans[-1][2]] if spans else ""
    return tokens, marks, written


def split_phrase(phrase: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Folded tokens of a phrase and the diacritic marks of each token."""
    tokens, marks, _ = _phrase_parts(phrase)
    return tokens, marks


class PhraseIndex(Generic[T]):
    """Phrases indexed by their first folded token, longest first.

    `match` looks a phrase of two tokens or more up by its first two tokens, then the phrases of
    one token by the first: "cho" starts 63 keywords and "bớt" 71, and comparing each with the
    text cost more than the rest of a token's reading.
    """

    def __init__(self, entries: Iterable[tuple[str, T]]) -> None:
        by_first: dict[str, list[Phrase[T]]] = {}
        for phrase, payload in entries:
            tokens, marks, written = _phrase_parts(phrase)
            if tokens:
                entry = Phrase(tokens, marks, payload, written)
                by_first.setdefault(tokens[0], []).append(entry)
        for phrases in by_first.values():
            phrases.sort(key=lambda p: -len(p.tokens))  # stable: equal lengths keep their order
        self._by_first = by_first
        # The same lists split in two, each in the order above: longer phrases by their first two
        # tokens, phrases of one token by their token.
        # by_two[first][second]: two lookups of words whose hashes are known, where a key of
        # both would build and hash a tuple at every call.
        by_two: dict[str, dict[str, list[Phrase[T]]]] = {}
        single: dict[str, tuple[Phrase[T], ...]] = {}
        for first, phrases in by_first.items():
            for entry in phrases:
                if entry.size > 1:
                    seconds = by_two.setdefault(first, {})
                    seconds.setdefault(entry.tokens[1], []).append(entry)
            ones = tuple(p for p in phrases if p.size == 1)
            if ones:
                single[first] = ones
        self._by_two = {
            first: {second: tuple(phrases) for second, phrases in seconds.items()}
            for first, seconds in by_two.items()
        }
        self._single = single

    def __contains__(self, token: str) -> bool:
        return token in self._by_first

    @property
    def first_tokens(self) -> frozenset[str]:
        """Every token a phrase can start with (for cheap pre-filtering)."""
        return frozenset(self._by_first)

    @property
    def digit_words(self) -> frozenset[str]:
        """Tokens of any phrase that are numbers ("1" of "bn 1"): the only words of this index
        a number can be (masking.py keys on that)."""
        phrases = [p for ps in self._by_first.values() for p in ps]
        return frozenset(t for p in phrases for t in p.tokens if t.isdigit())

    def match(self, text: Text, index: int) -> tuple[int, T] | None:
        """Longest phrase starting at token `index`: (number of tokens, payload)."""
        words = text.words
        if index >= len(words):
            return None
        first = words[index]
        seconds = self._by_two.get(first)
        if seconds is not None and index + 1 < len(words):
            longer = seconds.get(words[index + 1])
            if longer is not None:
                for phrase in longer:
                    size = phrase.size
                    if size > 2 and words[index : index + size] != phrase.tokens:
                        continue
                    if text.plain or _phrase_agrees(text, index, phrase):
                        return phrase.found
        ones = self._single.get(first)
        if ones is None:
            return None
        if text.plain:
            return ones[0].found
        start, end = text.spans[index]
        raw = text.original[start:end]
        # Typed without marks, or exactly as the first phrase is written: agrees with it
        if raw.isascii() or raw == ones[0].written:
            return ones[0].found
        for phrase in ones:
            if _agrees(raw, phrase.marks[0]):
                return phrase.found
        return None


@lru_cache(maxsize=8192)
def _agrees(raw: str, expected: str) -> bool:
    """A token typed as `raw` may be a phrase token with the `expected` marks."""
    return raw.isascii() or marks_compatible(diacritic_marks(raw), expected)


def _phrase_agrees(text: Text, index: int, phrase: Phrase[T]) -> bool:
    """`_marks_agree` for a phrase whose tokens lie at `index`: at once when the comment shows
    them exactly as the phrase writes them (equal once folded, the tokens lie at the same places
    in both, so each is typed with the phrase's marks)."""
    spans = text.spans
    shown = text.original[spans[index][0] : spans[index + phrase.size - 1][1]]
    return shown == phrase.written or _marks_agree(text, index, phrase.marks)


def _marks_agree(text: Text, index: int, marks: tuple[str, ...]) -> bool:
    spans, original = text.spans, text.original
    for offset, expected in enumerate(marks):
        start, end = spans[index + offset]
        if not _agrees(original[start:end], expected):
            return False
    return True
