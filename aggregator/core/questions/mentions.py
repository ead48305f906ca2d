"""Which product (and which of its variants) a question is about, read from the comment. Pure.

The parser names no items for a question, so the inbox reads them itself: a code ("A01", "a 1",
"mã 5") or an alias of the catalog, longest alias first. A word typed with diacritics must carry
the alias's own ("nhận" is not "nhãn", "vài" is not "vải"); a one-word alias typed without any
("nhan", "vai", "cam") is too often another word to count. A weight or volume ("1 lít", "5kg",
"nửa cân") picks the product's variant of that measure.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from aggregator.core.addresses import fold_text
from aggregator.core.parser.variants import Dimension, Measure, parse_variant

_WORD = re.compile(r"\w+")
_CODE = re.compile(r"\b([a-z]{1,2})\s?[-.]?\s?(\d{1,3})\b")
_NUMERIC_CODE = re.compile(r"\b(?:ma so|ma|so|code)\s*:?\s*(\d{1,3})\b")
_MEASURE = re.compile(
    r"\b(nua|\d+(?:[.,]\d+)?)\s?(kg|kgs|ky|ki|kilo|can|lang|g|gr|gram|gam|ml|l|lit)\b"
)
_UNITS: dict[str, tuple[Dimension, int]] = {
    "kg": (Dimension.MASS, 1000), "kgs": (Dimension.MASS, 1000), "ky": (Dimension.MASS, 1000),
    "ki": (Dimension.MASS, 1000), "kilo": (Dimension.MASS, 1000), "can": (Dimension.MASS, 1000),
    "lang": (Dimension.MASS, 100), "g": (Dimension.MASS, 1), "gr": (Dimension.MASS, 1),
    "gram": (Dimension.MASS, 1), "gam": (Dimension.MASS, 1), "ml": (Dimension.VOLUME, 1),
    "l": (Dimension.VOLUME, 1000), "lit": (Dimension.VOLUME, 1000),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Product:
    """What the inbox knows of one product: its code, names and variant strings."""

    code: str
    name: str
    aliases: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Mention:
    code: str
    variant: str | None  # the catalog's variant string, None when none is named


def _words(text: str) -> list[str]:
    nfc = unicodedata.normalize("NFC", text).lower()
    return _WORD.findall(nfc.replace("đ", "đ"))


def _agrees(typed: str, alias_word: str, single: bool) -> bool:
    """A typed word stands for an alias word: same letters; same marks when it has marks."""
    folded = fold_text(typed)
    if folded != fold_text(alias_word):
        return False
    if typed != folded:  # typed with diacritics: they must be the alias's own
        return typed == alias_word
    return not (single and alias_word != folded)


def _alias_hits(words: list[str], products: Sequence[Product]) -> list[tuple[int, int, str]]:
    """(start, length, code) of every alias or name found, longest first at each start."""
    entries = sorted(
        ((tuple(_words(alias)), p.code) for p in products for alias in (*p.aliases, p.name)),
        key=lambda e: -len(e[0]),
    )
    hits: list[tuple[int, int, str]] = []
    i = 0
    while i < len(words):
        for alias, code in entries:
            n = len(alias)
            if (
                n
                and words[i : i + n]
                and len(words[i : i + n]) == n
                and all(_agrees(t, a, n == 1) for t, a in zip(words[i : i + n], alias, strict=True))
            ):
                hits.append((i, n, code))
                i += n - 1
                break
        i += 1
    return hits


def _code_hits(text: str, products: Sequence[Product]) -> list[str]:
    folded = fold_text(text)
    codes = {p.code.lower(): p.code for p in products}
    numeric = {str(int(p.code)): p.code for p in products if p.code.isdigit()}
    found: list[str] = []
    for prefix, digits in _CODE.findall(folded):
        for width in (2, 3, 1):
            code = codes.get(prefix + digits.lstrip("0").zfill(width))
            if code:
                found.append(code)
                break
    found += [numeric[d.lstrip("0") or "0"] for d in _NUMERIC_CODE.findall(folded)
              if (d.lstrip("0") or "0") in numeric]  # fmt: skip
    return found


def find_products(text: str, products: Sequence[Product]) -> list[str]:
    """Codes of the products the comment names, in order, each once."""
    codes = _code_hits(text, products)
    codes += [code for _, _, code in _alias_hits(_words(text), products)]
    return list(dict.fromkeys(codes))


def find_measures(text: str) -> list[Measure]:
    """Every weight or volume written in the text ("1 lít", "nửa cân", "500g"), in order."""
    found = []
    for number, unit in _MEASURE.findall(fold_text(text)):
        amount = 0.5 if number == "nua" else float(number.replace(",", "."))
        dimension, base = _UNITS[unit]
        found.append(Measure(dimension, round(amount * base)))
    return found


def find_measure(text: str, product: Product | None = None) -> Measure | None:
    """The first weight or volume the comment asks about; one that is part of the product's
    own name ("gạo ST25 túi 5kg") names the product, not a variant."""
    own = set(find_measures(product.name)) if product is not None else set()
    return next((m for m in find_measures(text) if m not in own), None)


def variant_for(product: Product, measure: Measure | None) -> str | None:
    """The product's variant string equal to `measure` (None if it sells no such variant)."""
    if measure is None:
        return None
    for variant in product.variants:
        if parse_variant(variant) == measure:
            return variant
    return None


def find_mention(text: str, products: Sequence[Product]) -> Mention | None:
    """The one product a question is about, with its variant; None if none or several."""
    codes = find_products(text, products)
    if len(codes) != 1:
        return None
    product = next(p for p in products if p.code == codes[0])
    return Mention(product.code, variant_for(product, find_measure(text, product)))
