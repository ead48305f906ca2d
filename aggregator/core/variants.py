"""A product's variants as the director writes them, pure: names, each with its own price and
parcel weight when it differs from the product's.

One variant per line (or separated by ";"), the price after "=", the weight after "/":

    1kg
    2kg = 85.000
    5kg = 200.000 / 5kg

A line without "=" costs the product's price and weighs its weight. The old way, names only
separated by commas ("500ml, 1l"), still reads. A comma between digits ("85,000", "1,5kg") is
part of a number, not a new variant. The product form and the CSV import's `variants` column
both read this text, so a CSV row is refused for the same reasons, in the same words, as the form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

MAX_VARIANTS = 30
MAX_NAME = 60
MAX_PRICE_VND = 1_000_000_000
MAX_WEIGHT_G = 100_000
# ";" or a line break, or a comma not between two digits ("85,000" and "1,5kg" are numbers).
_SEPARATOR = re.compile(r"[;\n\r]|(?<!\d),|,(?!\d)")
_WEIGHT = re.compile(r"^(\d+(?:[.,]\d+)?)\s*(kg|g|gr|gam|gram)?$")
_WEIGHT_UNITS = {"kg": 1000}


@dataclass(frozen=True, slots=True)
class VariantInput:
    name: str
    price_vnd: int | None = None  # None: the product's price
    weight_g: int | None = None  # None: the product's weight

    def price(self, product_price_vnd: int) -> int:
        return product_price_vnd if self.price_vnd is None else self.price_vnd


def parse_money(text: str) -> int | None:
    """'180.000', '180,000', '180000 đ' -> 180000; anything else None."""
    digits = text.strip().lower().removesuffix("₫").removesuffix("đ").removesuffix("vnd").strip()
    digits = digits.replace(".", "").replace(",", "").replace(" ", "")
    return int(digits) if digits.isdecimal() and len(digits) <= 12 else None


def parse_weight(text: str) -> int | None:
    """'2000g', '2000', '2 kg', '0,5kg' -> grams; anything else None."""
    match = _WEIGHT.match(text.strip().lower())
    if match is None:
        return None
    number = float(match[1].replace(",", "."))
    grams = round(number * _WEIGHT_UNITS.get(match[2] or "g", 1))
    return grams if grams <= MAX_WEIGHT_G else None


def _one(item: str) -> tuple[VariantInput | None, str]:
    name, _, rest = (part.strip() for part in item.partition("="))
    price_text, has_weight, weight_text = (part.strip() for part in rest.partition("/"))
    if not name or not any(c.isalnum() for c in name):
        return None, f"“{item}”: thiếu tên loại trước dấu “=”."
    if len(name) > MAX_NAME:
        return None, f"Tên loại “{name[:20]}…” dài quá {MAX_NAME} ký tự."
    price = parse_money(price_text) if price_text else None
    if price_text and (price is None or price > MAX_PRICE_VND):
        return None, f"Loại {name}: giá là số tiền VND, ví dụ “{name} = 85.000”."
    weight = parse_weight(weight_text) if has_weight else None
    if has_weight and weight is None:
        return None, f"Loại {name}: khối lượng là số gam hoặc kg, ví dụ “/ 2000g” hoặc “/ 2kg”."
    return VariantInput(name, price, weight), ""


def parse_variants(text: str) -> tuple[tuple[VariantInput, ...], str]:
    """The variants, or () and one Vietnamese message naming what is wrong."""
    items = [p.strip() for p in _SEPARATOR.split(text) if p.strip()]
    if len(items) > MAX_VARIANTS:
        return (), f"Tối đa {MAX_VARIANTS} loại."
    variants: list[VariantInput] = []
    for item in items:
        variant, error = _one(item)
        if variant is None:
            return (), error
        variants.append(variant)
    names = [v.name.lower() for v in variants]
    if len(set(names)) != len(names):
        return (), "Phân loại bị lặp lại."
    return tuple(variants), ""


def variant_inputs(details: Iterable[Mapping[str, Any]]) -> tuple[VariantInput, ...]:
    """Stored rows ({"name", "price_vnd", "weight_g"}) as the form's variants."""
    return tuple(VariantInput(d["name"], d["price_vnd"], d["weight_g"]) for d in details)


def format_variants(variants: Iterable[VariantInput]) -> str:
    """The text the form shows again: one variant per line, price and weight only when set."""
    lines = []
    for v in variants:
        line = v.name
        if v.price_vnd is not None:
            line += f" = {v.price_vnd:,}".replace(",", ".")
        if v.weight_g is not None:
            line += f"{'' if v.price_vnd is not None else ' ='} / {v.weight_g}g"
        lines.append(line)
    return "\n".join(lines)
