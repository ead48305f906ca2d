"""The memo of comments that differ only in phone digits (issue 21, goal 4; masking.py).

read_comment looks a comment that shows a phone up on the catalog by its text with the digits of
its phone tokens masked. That is exact only while the scanner reads no phone token's digits but
through words a phrase holds: readings from the memo must equal full readings, a number a phrase
holds must stay in the key, no table of the parser may hold a number the key misses, and the memo
must stay bounded.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import orjson

import aggregator.core.parser as parser_package
from aggregator.cli.parse import BENCH_CATALOG, bench_corpus
from aggregator.core.parser import Catalog, catalog_from_data, read_comment
from aggregator.core.parser.lexicon import PhraseIndex
from aggregator.core.parser.masking import TABLE_DIGIT_WORDS, masked_key
from aggregator.core.parser.normalize import prepare
from aggregator.core.parser.parse import MASKED_SIZE, _phone_tokens
from aggregator.core.parser.phone import scan_phones

DATA = Path(__file__).resolve().parent.parent / "data" / "comments"
COMBO = [
    {"code": "C01", "name": "Combo", "aliases": ["combo 08"], "price": 1, "variants": []},
    {"code": "N01", "name": "Nem", "aliases": ["nem"], "price": 1, "variants": []},
    {"code": "S01", "name": "Sim", "aliases": ["sim 0912345678"], "price": 1, "variants": []},
]


def _full(text: str, catalog: Catalog) -> dict[str, object]:
    catalog.masked.clear()  # so nothing comes from an earlier text
    return read_comment(text, catalog).model_dump()


def _key(text: str, catalog: Catalog) -> tuple[str, frozenset[int]]:
    prepared = prepare(text)
    tokens = _phone_tokens(prepared.spans, scan_phones(prepared.folded).spans)
    return masked_key(prepared, tokens, catalog)


def test_comments_that_differ_in_phone_digits_share_one_entry() -> None:
    catalog = catalog_from_data(BENCH_CATALOG)
    first = read_comment("chốt A01 x2 sđt 0912 345 678", catalog)
    second = read_comment("chốt A01 x2 sđt 0987 654 321", catalog)
    assert len(catalog.masked) == 1
    assert (first.phone, second.phone) == ("0912345678", "0987654321")
    assert second.model_dump() == _full(
        "chốt A01 x2 sđt 0987 654 321", catalog_from_data(BENCH_CATALOG)
    )
    key, tokens = _key("chốt A01 x2 sđt 0912 345 678", catalog)
    assert key == "chốt A01 x2 sđt \0\0\0\0 \0\0\0 \0\0\0" and len(tokens) == 3


def test_a_number_an_alias_holds_stays_in_the_key() -> None:
    # "08" is a phone group here and the second token of the alias "combo 08": the scanner reads
    # it, so "combo 09 ..." (no product) must not answer for "combo 08 ..." (C01).
    catalog, fresh = catalog_from_data(COMBO), catalog_from_data(COMBO)
    assert _key("lấy combo 09 1234 5678", catalog) != _key("lấy combo 08 1234 5678", catalog)
    assert read_comment("lấy combo 09 1234 5678", catalog).items == []
    reading = read_comment("lấy combo 08 1234 5678", catalog)
    assert [item.code for item in reading.items] == ["C01"]
    assert reading.model_dump() == _full("lấy combo 08 1234 5678", fresh)
    # The same with a phone of one token that an alias holds whole.
    assert read_comment("lấy sim 0987654321", catalog).items == []
    reading = read_comment("lấy sim 0912345678", catalog)
    assert [item.code for item in reading.items] == ["S01"]
    assert reading.model_dump() == _full("lấy sim 0912345678", fresh)


def test_no_table_holds_a_number_the_key_misses() -> None:
    """The key keeps the numbers of TABLE_DIGIT_WORDS and of the catalog's aliases: any other
    phrase index or word set of the parser that held a number would make it inexact."""
    seen = 0
    for info in pkgutil.iter_modules(parser_package.__path__):
        if info.name in ("phone", "normalize"):  # digits of a number, characters, a memo
            continue
        module = importlib.import_module(f"{parser_package.__name__}.{info.name}")
        for name, value in vars(module).items():
            if isinstance(value, PhraseIndex):
                seen += 1
                assert value.digit_words <= TABLE_DIGIT_WORDS, f"{info.name}.{name}"
            elif isinstance(value, (set, frozenset, dict)):
                numbers = {w for w in value if isinstance(w, str) and w.isdigit()}
                assert numbers <= TABLE_DIGIT_WORDS, f"{info.name}.{name}"
    assert seen >= 14  # every table was looked at


def test_readings_from_the_memo_equal_full_readings() -> None:
    catalog = catalog_from_data(orjson.loads((DATA / "catalog.json").read_bytes()))
    fresh = catalog_from_data(orjson.loads((DATA / "catalog.json").read_bytes()))
    texts = [t for t in dict.fromkeys(bench_corpus(3000)) if scan_phones(prepare(t).folded).spans]
    texts += [f"lấy {n} hộp nem, sđt 09{n}2 345 6{n}7 nhé" for n in range(1, 10)]
    readings = [read_comment(t, catalog).model_dump() for t in texts]
    assert len(catalog.masked) < len(texts) / 2  # most came from the memo
    assert readings == [_full(t, fresh) for t in texts]


def test_the_memo_is_bounded_and_drops_the_oldest_first() -> None:
    catalog = catalog_from_data(BENCH_CATALOG)
    texts = [
        f"lấy {n} hộp {alias} 0912345678"
        for alias in ("nem", "vải", "st25")
        for n in range(1, 1000)
    ]
    assert len(texts) > MASKED_SIZE
    for text in texts:
        read_comment(text, catalog)
    assert len(catalog.masked) == MASKED_SIZE
    assert _key(texts[0], catalog) not in catalog.masked
    assert _key(texts[-1], catalog) in catalog.masked
