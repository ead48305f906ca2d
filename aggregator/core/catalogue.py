"""The director's catalogue rules, pure: a product form (or a CSV row) checked field by field
with Vietnamese messages, and aliases that may not belong to two products.

The web form and the CSV import both go through `product_from_fields`, so a CSV row is refused
for the same reasons, in the same words, as the form.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from aggregator.core.parser.lexicon import split_phrase
from aggregator.core.variants import VariantInput, parse_money, parse_variants
from schema.parsing import CODE_PATTERN

MAX_PRICE_VND = 1_000_000_000
MAX_WEIGHT_G = 100_000
# Fields of the form and columns of the CSV, in the template's order.
FIELDS = (
    "code", "name", "aliases", "variants", "price_vnd", "weight_g", "origin_name",
    "origin_province", "ocop_stars", "certificate_no",
)  # fmt: skip
LABELS = {
    "code": "Mã", "name": "Tên", "aliases": "Tên gọi khác", "variants": "Phân loại",
    "price_vnd": "Giá", "weight_g": "Khối lượng", "origin_name": "Cơ sở sản xuất",
    "origin_province": "Tỉnh", "ocop_stars": "Sao OCOP", "certificate_no": "Số giấy chứng nhận",
}  # fmt: skip
_TEXT_LIMITS = {"name": 200, "origin_name": 200, "origin_province": 100, "certificate_no": 60}


@dataclass(frozen=True, slots=True)
class ProductInput:
    code: str
    name: str
    aliases: tuple[str, ...]
    variants: tuple[VariantInput, ...]  # each with its own price / weight, or the product's
    price_vnd: int
    weight_g: int
    origin_name: str | None
    origin_province: str | None
    ocop_stars: int | None
    certificate_no: str | None

    @property
    def variant_names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.variants)


def split_list(text: str) -> tuple[str, ...]:
    """'st25, gạo thơm; gạo ngon' -> ('st25', 'gạo thơm', 'gạo ngon'): commas or semicolons."""
    parts = (p.strip() for p in text.replace(";", ",").split(","))
    return tuple(p for p in parts if p)


def _code(text: str, errors: dict[str, str]) -> str:
    code = text.strip().upper()
    if not CODE_PATTERN.match(code):
        errors["code"] = "Mã gồm tối đa 3 chữ cái rồi 1–4 chữ số, ví dụ A01 hoặc 05."
    return code


def _texts(fields: Mapping[str, str], errors: dict[str, str]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name, limit in _TEXT_LIMITS.items():
        value = fields.get(name, "").strip()
        if len(value) > limit:
            errors[name] = f"{LABELS[name]} dài quá {limit} ký tự."
        out[name] = value or None
    if out["name"] is None:
        errors["name"] = "Hãy nhập tên sản phẩm."
    return out


def _lists(
    fields: Mapping[str, str], errors: dict[str, str]
) -> tuple[tuple[str, ...], tuple[VariantInput, ...]]:
    aliases = split_list(fields.get("aliases", ""))
    if any(len(v) > 60 for v in aliases) or len(aliases) > 30:
        errors["aliases"] = f"{LABELS['aliases']}: tối đa 30 mục, mỗi mục không quá 60 ký tự."
    elif len({v.lower() for v in aliases}) != len(aliases):
        errors["aliases"] = f"{LABELS['aliases']} bị lặp lại."
    elif not all(has_word(a) for a in aliases):
        errors["aliases"] = "Tên gọi khác phải có chữ hoặc số."
    variants, problem = parse_variants(fields.get("variants", ""))
    if problem:
        errors["variants"] = problem
    return aliases, variants


def _numbers(fields: Mapping[str, str], errors: dict[str, str]) -> tuple[int, int, int | None]:
    price = parse_money(fields.get("price_vnd", ""))
    if price is None or price > MAX_PRICE_VND:
        errors["price_vnd"] = "Giá là số tiền VND, ví dụ 180000 hoặc 180.000."
    weight_text = fields.get("weight_g", "").strip() or "0"
    if not weight_text.isdecimal() or int(weight_text) > MAX_WEIGHT_G:
        errors["weight_g"] = "Khối lượng là số gam từ 0 đến 100000."
    stars_text = fields.get("ocop_stars", "").strip()
    if stars_text and stars_text not in {"3", "4", "5"}:
        errors["ocop_stars"] = "Sao OCOP là 3, 4 hoặc 5 (để trống nếu chưa được chứng nhận)."
    return (
        price or 0,
        int(weight_text) if weight_text.isdecimal() else 0,
        int(stars_text) if stars_text in {"3", "4", "5"} else None,
    )


def product_from_fields(fields: Mapping[str, str]) -> tuple[ProductInput | None, dict[str, str]]:
    """A product, or None and {field: Vietnamese message} for every field that is wrong."""
    errors: dict[str, str] = {}
    code = _code(fields.get("code", ""), errors)
    texts = _texts(fields, errors)
    aliases, variants = _lists(fields, errors)
    price, weight, stars = _numbers(fields, errors)
    if errors:
        return None, errors
    return ProductInput(
        code, texts["name"] or "", aliases, variants, price, weight, texts["origin_name"],
        texts["origin_province"], stars, texts["certificate_no"],
    ), {}  # fmt: skip


def has_word(text: str) -> bool:
    """An alias or keyword needs a letter or digit for the parser to ever match it."""
    return any(c.isalnum() for c in text)


def alias_key(alias: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Two aliases are the same for the parser when these keys are equal."""
    return split_phrase(alias.lower())


AliasKey = tuple[tuple[str, ...], tuple[str, ...]]


class AliasOwners:
    """Which product answers to each alias, kept up to date row by row, so checking a CSV of n
    rows costs n lookups rather than n passes over the whole catalogue."""

    def __init__(self, owners: Mapping[str, Iterable[str]]) -> None:
        self._owner: dict[AliasKey, str] = {}
        self._keys: dict[str, list[AliasKey]] = {}
        for code, aliases in owners.items():
            self.add(code, aliases)

    def clashes(self, code: str, aliases: Iterable[str]) -> list[tuple[str, str]]:
        """(alias, other product's code) for each of `code`'s aliases another product has."""
        found = [(a, self._owner.get(alias_key(a))) for a in aliases]
        return [(a, other) for a, other in found if other is not None and other != code]

    def add(self, code: str, aliases: Iterable[str]) -> None:
        for alias in aliases:
            key = alias_key(alias)
            if self._owner.setdefault(key, code) == code:
                self._keys.setdefault(code, []).append(key)

    def replace(self, code: str, aliases: Iterable[str]) -> None:
        """`code` now answers to these aliases only (an upsert replaces the product's list)."""
        for key in self._keys.pop(code, []):
            if self._owner.get(key) == code:
                del self._owner[key]
        self.add(code, aliases)


def alias_clashes(
    owners: Mapping[str, Iterable[str]], code: str, aliases: Iterable[str]
) -> list[tuple[str, str]]:
    """(alias, other product's code) for each of `code`'s aliases another product already has."""
    return AliasOwners(owners).clashes(code, aliases)
