"""Weights and volumes ("1 ký", "nửa cân", "5 lạng", "1L") and their catalog variant strings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import NamedTuple

from aggregator.core.parser.lexicon import PhraseIndex
from aggregator.core.parser.normalize import fold


class Dimension(StrEnum):
    MASS = "mass"
    VOLUME = "volume"


@dataclass(frozen=True, slots=True)
class Unit:
    """A weight or volume word: how many grams (or millilitres) one of it is."""

    dimension: Dimension
    base: int
    needs_adjacent: bool = False  # "1l", "500g": a one-letter unit must touch its number


class Measure(NamedTuple):
    """An amount in grams or millilitres.

    A named tuple: made for every weight in a comment and looked up in the catalog's variants,
    where a frozen dataclass paid object.__setattr__ per field and a Python-level hash and eq.
    """

    dimension: Dimension
    amount: int


_MASS, _VOLUME = Dimension.MASS, Dimension.VOLUME

# Extend here: every way of writing a weight or volume unit after a number.
WEIGHT_UNITS: tuple[tuple[str, Unit], ...] = (
    ("kg", Unit(_MASS, 1000)),
    ("kgs", Unit(_MASS, 1000)),
    ("ký", Unit(_MASS, 1000)),
    ("kí", Unit(_MASS, 1000)),
    ("kilo", Unit(_MASS, 1000)),
    ("cân", Unit(_MASS, 1000)),
    ("lạng", Unit(_MASS, 100)),
    ("g", Unit(_MASS, 1, needs_adjacent=True)),
    ("gr", Unit(_MASS, 1)),
    ("gam", Unit(_MASS, 1)),
    ("gram", Unit(_MASS, 1)),
    ("l", Unit(_VOLUME, 1000, needs_adjacent=True)),
    ("lít", Unit(_VOLUME, 1000)),
    ("lit", Unit(_VOLUME, 1000)),
    ("liter", Unit(_VOLUME, 1000)),
    ("litre", Unit(_VOLUME, 1000)),
    ("ml", Unit(_VOLUME, 1)),
)
WEIGHT_UNIT_INDEX: PhraseIndex[Unit] = PhraseIndex(WEIGHT_UNITS)
HALF_WORDS = ("nửa", "1/2")
HALF_INDEX: PhraseIndex[str] = PhraseIndex((w, w) for w in HALF_WORDS)
AND_A_HALF = PhraseIndex([("rưỡi", "half")])

_VARIANT_RE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*([a-z]+)\s*$")
_PLAIN_UNITS = {
    "kg": Unit(_MASS, 1000),
    "g": Unit(_MASS, 1),
    "gr": Unit(_MASS, 1),
    "l": Unit(_VOLUME, 1000),
    "ml": Unit(_VOLUME, 1),
    "lit": Unit(_VOLUME, 1000),
}


# tuple.__new__ at C level: a named tuple's own __new__ is a Python function, one call a weight.
_new_measure = partial(tuple.__new__, Measure)


def make_measure(number: float, unit: Unit) -> Measure:
    """`number` units as a Measure, rounded to whole grams or millilitres."""
    return _new_measure((unit.dimension, round(number * unit.base)))


def parse_variant(variant: str) -> Measure | None:
    """Catalog variant string ("500ml", "1l", "1kg") as a Measure; None if not a measure."""
    match = _VARIANT_RE.match(fold(variant.lower()))
    if match is None:
        return None
    unit = _PLAIN_UNITS.get(match.group(2))
    if unit is None:
        return None
    return make_measure(float(match.group(1).replace(",", ".")), unit)
