"""Read-only view of one comment that the readers share: tokens, catalog, phone digits."""

from __future__ import annotations

from aggregator.core.parser.catalog import Catalog
from aggregator.core.parser.normalize import Text
from aggregator.core.parser.quantities import (
    ADJACENT_ONLY_UNITS,
    COUNT_UNIT_INDEX,
    MAX_QTY,
    NUMBER_WORD_INDEX,
)
from aggregator.core.parser.variants import WEIGHT_UNIT_INDEX, Unit

SHOUTING_SHARE = 0.6
# The longest run of digits read as a number: a price in đồng has at most 10 or 11.
MAX_DIGITS = 15
# First words of each table: most positions start none, and a set answers before a call would.
NUMBER_WORD_STARTS = NUMBER_WORD_INDEX.first_tokens
COUNT_UNIT_STARTS = COUNT_UNIT_INDEX.first_tokens | ADJACENT_ONLY_UNITS.first_tokens
WEIGHT_UNIT_STARTS = WEIGHT_UNIT_INDEX.first_tokens


class Context:
    """The comment, the catalog and the phone tokens. A plain class with slots: made once per
    comment, and a dataclass with __post_init__ costs two Python calls."""

    __slots__ = ("catalog", "phone", "size", "text", "words")

    def __init__(self, text: Text, catalog: Catalog, phone: frozenset[int], size: int) -> None:
        self.text = text
        self.catalog = catalog
        self.phone = phone  # token indexes that belong to a phone number
        self.size = size  # number of tokens
        self.words = text.words  # read by every reader

    def word(self, j: int) -> str:
        """Folded token `j`, or "" past the end."""
        return self.words[j] if j < self.size else ""

    def digits(self, j: int) -> str | None:
        """Token `j` if it is a number outside any phone number. A run of more than MAX_DIGITS
        digits is no number anyone means (no price, weight or quantity has that many): read as
        a plain word, it cannot overflow a float or pass Python's limit on int() of a string,
        which made one such comment fail the whole batch it came in."""
        if j >= self.size:
            return None
        word = self.words[j]
        if len(word) > MAX_DIGITS or not word.isdecimal() or j in self.phone:
            return None
        return word

    def small_number(self, j: int) -> int | None:
        """Token `j` as a plausible quantity (1..MAX_QTY), written in digits or words."""
        digits = self.digits(j)
        if digits is not None:
            value = int(digits) if len(digits) <= 3 else 0
            return value if 1 <= value <= MAX_QTY else None
        if j >= self.size or self.words[j] not in NUMBER_WORD_STARTS:
            return None
        found = NUMBER_WORD_INDEX.match(self.text, j)
        return None if found is None else found[1]

    def count_unit(self, j: int) -> int:
        """Length of a counting unit ("hộp", "cái", "2c") at token `j`, 0 if none."""
        if j >= self.size or self.words[j] not in COUNT_UNIT_STARTS or j in self.phone:
            return 0
        found = COUNT_UNIT_INDEX.match(self.text, j)
        if found is not None:
            return found[0]
        if ADJACENT_ONLY_UNITS.match(self.text, j) and self.text.adjacent(j - 1, j):
            return 1
        return 0

    def weight_unit(self, j: int) -> tuple[int, Unit] | None:
        """A weight or volume unit at token `j` ("kg", "cân", "1l"), honouring adjacency."""
        if j >= self.size or self.words[j] not in WEIGHT_UNIT_STARTS:
            return None
        found = WEIGHT_UNIT_INDEX.match(self.text, j)
        if found is None:
            return None
        if found[1].needs_adjacent and not self.text.adjacent(j - 1, j):
            return None
        return found

    def starts_product(self, j: int) -> bool:
        """An alias or a letter code ("A01", "b 2") starts at token `j`."""
        if j >= self.size:
            return False
        if self.catalog.aliases.match(self.text, j) is not None:
            return True
        return self.word(j) in self.catalog.prefix_widths and self.digits(j + 1) is not None

    def shouting(self) -> bool:
        """Mostly upper-case text: capitals say nothing about street names."""
        letters = [c for c in self.text.original if c.isalpha()]
        upper = sum(1 for c in letters if c.isupper())
        return bool(letters) and upper / len(letters) > SHOUTING_SHARE
