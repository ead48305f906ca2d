"""What the scanner finds in a comment, in order: products, quantities, weights, separators."""

from __future__ import annotations

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


class Element:
    """One thing found. Each kind is a subclass whose constructor takes only its own fields, by
    position: a dataclass of nine fields cost a Python-level __init__ with keyword matching and
    nine stores for every element of every comment. The defaults are class attributes."""

    kind: Kind
    clause: int = 0
    code: str | None = None  # PRODUCT; None for a code the catalog lacks ("A09")
    as_code: bool = False  # PRODUCT written as a code ("A01", "mã 5"), not an alias
    qty: int = 0  # QTY, EACH
    postfix: bool = False  # QTY after a marker ("x2", "sl 3"): belongs to the product before
    counted: bool = False  # QTY with a unit or marker ("2 hộp", "x2"), not a bare number
    measure: Measure | None = None  # WEIGHT
    clause_break: bool = False  # SEP: end of a clause ("," "." "?"), not just "+" or "và"

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"


class Product(Element):
    kind = K_PRODUCT

    def __init__(self, code: str | None, as_code: bool, clause: int = 0) -> None:
        self.code = code
        self.as_code = as_code
        self.clause = clause


class Quantity(Element):
    kind = K_QTY

    def __init__(self, qty: int, counted: bool, postfix: bool = False) -> None:
        self.qty = qty
        self.counted = counted
        self.postfix = postfix


class Each(Element):
    kind = K_EACH

    def __init__(self, qty: int) -> None:
        self.qty = qty


class Weight(Element):
    kind = K_WEIGHT

    def __init__(self, measure: Measure) -> None:
        self.measure = measure


class Separator(Element):
    kind = K_SEP

    def __init__(self, clause: int, clause_break: bool) -> None:
        self.clause = clause
        self.clause_break = clause_break


# The result of reading at one position: (tokens used, element found or None, spam). A plain
# tuple: made at every reader hit, and a dataclass instance costs a Python-level __init__ call.
Read = tuple[int, Element | None, bool]
