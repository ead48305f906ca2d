"""Which catalogue products an unclear comment most likely means, for staff to pick in one click.

Pure. The comment and each product's code, name and aliases are folded (no accents, lower case)
and compared with rapidfuzz: a name or alias found inside the comment ("2 hũ mat ong" holds
"mật ong") scores by partial match, an unknown code ("A1O", "mã 5") by its closeness to a code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from aggregator.core.parser.normalize import fold

MIN_SCORE = 70.0
MIN_TEXT = 4  # shorter comments ("ib", "+1") match any name by chance: codes only
_CODE_CHARS = re.compile(r"[^a-z0-9]")


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    id: int
    code: str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Suggestion:
    product_id: int
    score: float


def _code_key(text: str) -> str:
    """A01 / a 01 / a-01 compare alike; leading zeros of the number do not matter."""
    key = _CODE_CHARS.sub("", fold(text))
    return re.sub(r"(?<=[a-z])0+(?=\d)", "", key)


def _score(entry: CatalogueEntry, text: str, code: str) -> float:
    names = [fold(n) for n in (entry.name, *entry.aliases) if len(n.strip()) >= 3]
    best = 0.0
    if len(text.strip()) >= MIN_TEXT:
        best = max((fuzz.partial_ratio(n, text) for n in names), default=0.0)
    if code:
        best = max(best, fuzz.ratio(_code_key(code), _code_key(entry.code)))
    return float(best)


def suggest(
    comment: str, code: str, catalogue: Sequence[CatalogueEntry], limit: int = 3
) -> list[Suggestion]:
    """The best `limit` products scoring at least MIN_SCORE, best first (ties: catalogue order)."""
    text = fold(comment)
    scored = [(_score(entry, text, code), index, entry) for index, entry in enumerate(catalogue)]
    ranked = sorted((s for s in scored if s[0] >= MIN_SCORE), key=lambda s: (-s[0], s[1]))
    return [Suggestion(entry.id, score) for score, _, entry in ranked[:limit]]
