"""Keyword templates: extra names per product code a live is read with. Pure.

A director writes one line per product, "A01: gạo thơm, st25 mới". A live copies the union of
the templates it starts with; the parser then reads that live's comments against the catalogue
plus those names (`with_keywords`). A keyword another product already answers to is refused when
the template is saved and skipped when compiling, so the catalogue always compiles.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from aggregator.core.catalogue import AliasOwners, alias_key, has_word, split_list
from schema.parsing import CatalogProduct

Keywords = dict[str, list[str]]
MAX_KEYWORDS_PER_CODE = 30


def parse_keywords(
    text: str, aliases_by_code: Mapping[str, Sequence[str]]
) -> tuple[Keywords, list[str]]:
    """{code: [keyword…]} from the textarea, and Vietnamese messages naming each bad line."""
    found: Keywords = {}
    errors: list[str] = []
    owners = AliasOwners(aliases_by_code)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        code, colon, rest = line.partition(":")
        code = code.strip().upper()
        words = list(split_list(rest))
        if not colon or not words:
            errors.append(f"Dòng {number}: viết theo mẫu “A01: tên gọi 1, tên gọi 2”.")
        elif code not in aliases_by_code:
            errors.append(f"Dòng {number}: không có sản phẩm mã {code} trong danh mục.")
        elif any(len(w) > 60 for w in words) or not all(has_word(w) for w in words):
            errors.append(f"Dòng {number}: mỗi từ khóa có chữ hoặc số và không quá 60 ký tự.")
        else:
            clashes = owners.clashes(code, words)
            for word, other in clashes:
                errors.append(f"Dòng {number}: “{word}” đã là tên gọi của sản phẩm {other}.")
            if not clashes:
                merged = _union(found.get(code, []), words)
                if len(merged) > MAX_KEYWORDS_PER_CODE:
                    errors.append(f"Dòng {number}: tối đa {MAX_KEYWORDS_PER_CODE} từ khóa mỗi mã.")
                found[code] = merged
                owners.add(code, words)
    return found, errors


def _union(first: Iterable[str], second: Iterable[str]) -> list[str]:
    seen: dict[tuple[tuple[str, ...], tuple[str, ...]], str] = {}
    for word in [*first, *second]:
        seen.setdefault(alias_key(word), word)
    return list(seen.values())


def format_keywords(keywords: Mapping[str, Sequence[str]]) -> str:
    return "\n".join(f"{code}: {', '.join(words)}" for code, words in sorted(keywords.items()))


def merge_keywords(templates: Iterable[Mapping[str, Sequence[str]]]) -> Keywords:
    """The union of several templates (a live started with more than one)."""
    merged: Keywords = {}
    for template in templates:
        for code, words in template.items():
            merged[code] = _union(merged.get(code, []), words)
    return merged


def with_keywords(
    products: Sequence[CatalogProduct], keywords: Mapping[str, Sequence[str]]
) -> list[CatalogProduct]:
    """The catalogue with a live's keywords added as aliases.

    A keyword for a code no longer sold, or that another product (or an earlier keyword) already
    answers to, is skipped: the live still parses with everything else.
    """
    owners: dict[tuple[tuple[str, ...], tuple[str, ...]], str] = {
        alias_key(a): p.code for p in products for a in p.aliases
    }
    out: list[CatalogProduct] = []
    for product in products:
        extra: list[str] = []
        for word in keywords.get(product.code, []):
            key = alias_key(word)
            mine = has_word(word) and owners.setdefault(key, product.code) == product.code
            if mine and word.lower() not in {a.lower() for a in (*product.aliases, *extra)}:
                extra.append(word)
        out.append(product.model_copy(update={"aliases": [*product.aliases, *extra]}))
    return out
