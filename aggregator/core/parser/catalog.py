"""The compiled catalog: code and alias indexes built once from the product list."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from pydantic import ValidationError

from aggregator.core.parser.errors import CatalogError
from aggregator.core.parser.lexicon import PhraseIndex, split_phrase
from aggregator.core.parser.normalize import fold
from aggregator.core.parser.variants import Measure, parse_variant
from schema.parsing import CatalogProduct, Intent, ParsedComment, ParsedItem

_FIELD_SHAPES = {
    "code": "a product code such as 'A01' or '05'",
    "name": "a non-empty string",
    "aliases": "a list of non-empty strings",
    "price": "a non-negative integer (VND)",
    "variants": "a list of distinct non-empty strings",
}


@dataclass(frozen=True, slots=True)
class ProductInfo:
    """What the parser needs to know about one product."""

    code: str
    variants: tuple[str, ...]
    measures: Mapping[Measure, str]

    def variant_for(self, measure: Measure) -> str | None:
        """The catalog variant string equal to `measure`, if this product sells it."""
        return self.measures.get(measure)


# What a comment means, whatever phone it shows: its intent and its items.
Meaning = tuple[Intent, list[ParsedItem]]


class Catalog:
    """Products indexed for parsing: by code, by alias (longest first), by code prefix."""

    def __init__(self, products: Sequence[CatalogProduct]) -> None:
        infos: dict[str, ProductInfo] = {}
        for position, product in enumerate(products, start=1):
            if product.code in infos:
                raise CatalogError(
                    f"catalog entry {position} (code {product.code!r}): duplicate code"
                )
            measures = {m: v for v in product.variants if (m := parse_variant(v)) is not None}
            infos[product.code] = ProductInfo(
                product.code, tuple(product.variants), MappingProxyType(measures)
            )
        self.products: Mapping[str, ProductInfo] = MappingProxyType(infos)
        self.aliases: PhraseIndex[str] = PhraseIndex(_alias_entries(products))
        self.alias_starts: frozenset[str] = self.aliases.first_tokens
        self.prefix_widths: Mapping[str, int] = MappingProxyType(_prefix_widths(infos))
        self.numeric_width: int = self.prefix_widths.get("", 0)
        self.prefixes: frozenset[str] = frozenset(self.prefix_widths)  # a set answers `in` faster
        # What code_for answers for the digits of the catalog's own codes, by prefix ("n":
        # {"1": "N01", "01": "N01"}): most codes typed are these, found by two lookups where the
        # general answer takes five string operations. Filled here, read only after.
        self._known_codes: dict[str, dict[str, str]] = {}
        for code in infos:
            self._learn_code(code)
        # Readings of recent comment texts (parse.py keeps it): a reading depends only on the
        # text and this catalog, which never changes once built, so a repeat need not be re-read.
        # An OrderedDict drops its oldest entry in O(1); a dict's first key, once many were
        # deleted, is found by walking over their holes (~1 µs a comment with the memo full).
        self.readings: OrderedDict[str, ParsedComment] = OrderedDict()
        # What each word may start, for the scanner (scan.routes_for fills it at first use).
        self.routes: dict[str, int] | None = None
        # What recent comments that show a phone mean, by the comment with its phone digits
        # masked (masking.py: the scan never reads them, so such comments scan alike), and the
        # numbers a phrase of this catalog or of the tables holds (masking.digit_words fills it).
        self.masked: OrderedDict[tuple[str, frozenset[int]], Meaning] = OrderedDict()
        self.digit_words: frozenset[str] | None = None

    def code_for(self, prefix: str, digits: str) -> str | None:
        """Normalised code for a prefix ("a", "" for numeric) and digits ("1" -> "A01").

        Returns a code even when the catalog lacks it ("A09"): the caller drops such items.
        None means these are not a code at all (unknown prefix, too many digits).
        """
        known = self._known_codes.get(prefix)
        if known is not None:
            code = known.get(digits)
            if code is not None:
                return code
        return self._code_for(prefix, digits)

    def _code_for(self, prefix: str, digits: str) -> str | None:
        width = self.prefix_widths.get(prefix)
        if width is None or not digits.isdecimal() or len(digits.lstrip("0")) > width:
            return None
        # int() of the significant digits only: at most `width` of them, whatever the zeros
        return prefix.upper() + str(int(digits.lstrip("0") or "0")).zfill(width)

    def _learn_code(self, code: str) -> None:
        """Keep code_for's answers for the digits of `code` written with 0 to `width` zeros."""
        digits = code.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        prefix = fold(code[: len(code) - len(digits)].lower())
        number = str(int(digits))
        for size in range(len(number), self.prefix_widths[prefix] + 1):
            written = number.zfill(size)
            answer = self._code_for(prefix, written)
            if answer is not None:
                self._known_codes.setdefault(prefix, {})[written] = answer

    def product(self, code: str | None) -> ProductInfo | None:
        return None if code is None else self.products.get(code)


def _alias_entries(products: Sequence[CatalogProduct]) -> list[tuple[str, str]]:
    seen: dict[tuple[tuple[str, ...], tuple[str, ...]], str] = {}
    entries: list[tuple[str, str]] = []
    for position, product in enumerate(products, start=1):
        for alias in product.aliases:
            key = split_phrase(alias.lower())
            owner = seen.setdefault(key, product.code)
            if owner != product.code:
                raise CatalogError(
                    f"catalog entry {position} (code {product.code!r}): "
                    f"alias {alias!r} is already used by {owner!r}"
                )
            entries.append((alias.lower(), product.code))
    return entries


def _prefix_widths(infos: Mapping[str, ProductInfo]) -> dict[str, int]:
    widths: dict[str, int] = {}
    for code in infos:
        digits = code.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        prefix = fold(code[: len(code) - len(digits)].lower())
        widths[prefix] = max(widths.get(prefix, 0), len(digits))
    return widths


def catalog_from_data(data: object) -> Catalog:
    """Validate decoded catalog JSON (a list of product objects) and compile it."""
    if not isinstance(data, list):
        raise CatalogError("catalog must be a JSON list of products")
    products: list[CatalogProduct] = []
    for position, entry in enumerate(data, start=1):
        products.append(_validate_entry(position, entry))
    if not products:
        raise CatalogError("catalog has no products")
    return Catalog(products)


def _validate_entry(position: int, entry: object) -> CatalogProduct:
    code = entry.get("code") if isinstance(entry, dict) else None
    label = f"catalog entry {position}" + (f" (code {code!r})" if isinstance(code, str) else "")
    if not isinstance(entry, dict):
        raise CatalogError(f"{label}: must be an object, got {type(entry).__name__}")
    try:
        return CatalogProduct.model_validate(entry)
    except ValidationError as exc:
        raise CatalogError(f"{label}: {_describe(exc)}") from None


def _describe(exc: ValidationError) -> str:
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else "entry"
    if error["type"] == "missing":
        return f"missing field {field!r}"
    if error["type"] == "extra_forbidden":
        return f"unknown field {field!r}"
    shape = _FIELD_SHAPES.get(field)
    if shape is None:
        return str(error["msg"])
    return f"{field} must be {shape}"
