"""Comments that differ only in the digits of a phone number scan alike: the key that says so.

The scanner never reads the digits of a token inside a phone number. It skips such tokens; the
readers that look at a neighbour ask `Context.digits`, `count_unit` or `small_number`, which answer
for a phone token as for no number at all, and otherwise compare the neighbour's word with words of
their tables or phrases, none of which is a number but the few in `digit_words` ("1" of "bn 1",
"25" of an alias "st25"). Its length, its being digits and its position are all that is read.
(A reader must keep asking `Context.digits` for a number: int() of a word it did not ask about
could read a phone token's digits, and break what follows.)

So two comments that are equal but for the digits of such phone tokens (same tokens, same places,
same phone tokens) scan to the same elements and signals, and mean the same. The key of that is
the comment with those digits replaced by NUL characters, with the indexes of the phone tokens: a
NUL is never a digit, so no comment typed with NULs there has the same phone tokens.
"""

from __future__ import annotations

from aggregator.core.parser.catalog import Catalog
from aggregator.core.parser.codes import CODE_WORD_INDEX
from aggregator.core.parser.intent import KEYWORD_INDEX
from aggregator.core.parser.normalize import Text
from aggregator.core.parser.quantities import (
    ADJACENT_ONLY_UNITS,
    COUNT_UNIT_INDEX,
    EACH_INDEX,
    NON_QTY_AFTER_INDEX,
    NON_QTY_BEFORE_INDEX,
    NUMBER_WORD_INDEX,
    POSTFIX_MARKER_INDEX,
    PRICE_UNIT_INDEX,
)
from aggregator.core.parser.scan import ITEM_SEPARATORS
from aggregator.core.parser.variants import AND_A_HALF, HALF_INDEX, WEIGHT_UNIT_INDEX

MaskedKey = tuple[str, frozenset[int]]
# The numbers in every phrase index the scanner matches besides the catalog's aliases (a test
# checks that no index or word set of the parser's modules holds a number this misses).
TABLE_DIGIT_WORDS: frozenset[str] = frozenset().union(
    KEYWORD_INDEX.digit_words,
    ITEM_SEPARATORS.digit_words,
    CODE_WORD_INDEX.digit_words,
    NUMBER_WORD_INDEX.digit_words,
    COUNT_UNIT_INDEX.digit_words,
    ADJACENT_ONLY_UNITS.digit_words,
    POSTFIX_MARKER_INDEX.digit_words,
    EACH_INDEX.digit_words,
    NON_QTY_BEFORE_INDEX.digit_words,
    NON_QTY_AFTER_INDEX.digit_words,
    PRICE_UNIT_INDEX.digit_words,
    WEIGHT_UNIT_INDEX.digit_words,
    HALF_INDEX.digit_words,
    AND_A_HALF.digit_words,
)


def digit_words(catalog: Catalog) -> frozenset[str]:
    """The numbers a phrase of the tables or of this catalog's aliases holds (kept on it)."""
    words = catalog.digit_words
    if words is None:
        words = catalog.digit_words = TABLE_DIGIT_WORDS | catalog.aliases.digit_words
    return words


def masked_key(text: Text, phone: frozenset[int], catalog: Catalog) -> MaskedKey:
    """The comment with the digits of its phone tokens masked, unless a phrase holds them."""
    kept = catalog.digit_words
    if kept is None:
        kept = digit_words(catalog)
    original, spans, words = text.original, text.spans, text.words
    if len(phone) == 1:  # most comments: one token, the whole number
        for index in phone:
            if words[index] in kept:
                return original, phone
            start, end = spans[index]
            return original[:start] + "\0" * (end - start) + original[end:], phone
    parts: list[str] = []
    done = 0
    for index in sorted(phone):
        if words[index] in kept:
            continue
        start, end = spans[index]
        parts.append(original[done:start])
        parts.append("\0" * (end - start))
        done = end
    parts.append(original[done:])
    return "".join(parts), phone
