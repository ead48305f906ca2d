"""What the scanner finds in a comment, in order: products, quantities, weights, separators."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from aggregator.core.parser.variants import Measure


class Kind(StrEnum):
    PRODUCT = "product"
    QTY = "qty"
    WEIGHT = "weight"
    EACH = "each"  # "mỗi thứ 1": a quantity for every product
    SEP = "sep"


# The kinds as module constants for the per-token code: on Python 3.11 reading `Kind.QTY` goes
# through the enum's metaclass (~70 ns, against ~10 for a global).
K_PRODUCT, K_QTY, K_WEIGHT, K_EACH, K_SEP = Kind.PRODUCT, Kind.QTY, Kind.WEIGHT, Kind.EACH, Kind.SEP


@dataclass(slots=True)
class Element:
    kind: Kind
    clause: int = 0
    code: str | None = None  # PRODUCT; None for a code the catalog lacks ("A09")
    as_code: bool = False  # PRODUCT written as a code ("A01", "mã 5"), not an alias
    qty: int = 0  # QTY, EACH
    postfix: bool = False  # QTY after a marker ("x2", "sl 3"): belongs to the product before
    counted: bool = False  # QTY with a unit or marker ("2 hộp", "x2"), not a bare number
    measure: Measure | None = None  # WEIGHT
    clause_break: bool = False  # SEP: end of a clause ("," "." "?"), not just "+" or "và"


# The result of reading at one position: (tokens used, element found or None, spam). A plain
# tuple: made at every reader hit, and a dataclass instance costs a Python-level __init__ call.
Read = tuple[int, Element | None, bool]
