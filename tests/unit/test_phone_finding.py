"""One phone detector: what hides a public comment is the parser's own reading of its phone.

`find_phone` must say what `parse_comment` puts in ParsedComment.phone, for every comment; the log
masking pattern (aggregator.logging) is for logs only and misses writings the parser reads.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from aggregator.core.parser import Catalog, catalog_from_data, find_phone, parse_comment

DATA = Path(__file__).resolve().parent.parent / "data" / "comments"
PHONES = {
    "chốt A01 sđt 0912.345.678": "0912345678",
    "chốt A01 sdt 0912 . 345 . 678": "0912345678",
    "e lấy 2 hộp, số e 0912  345  678": "0912345678",
    "+84 (0) 912 345 678 nhé shop": "0912345678",
    "sđt ０９１２３４５６７８": "0912345678",
}
NOT_PHONES = ["chốt A01 giá 150000", "mật ong năm 2025 còn ko", "ck 1 500 000 đ", "02438245678"]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return catalog_from_data(orjson.loads((DATA / "catalog.json").read_bytes()))


def test_finds_the_phone_the_parser_reads(catalog: Catalog) -> None:
    for text, phone in PHONES.items():
        assert find_phone(text) == parse_comment(text, catalog).phone == phone, text
    for text in NOT_PHONES:
        assert find_phone(text) is parse_comment(text, catalog).phone is None, text


@pytest.mark.parametrize("name", ["dev.jsonl", "holdout.jsonl"])
def test_agrees_with_the_parser_on_every_labelled_comment(catalog: Catalog, name: str) -> None:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    texts = [str(orjson.loads(line)["text"]) for line in lines if line.strip()]
    assert texts
    for text in texts:
        assert find_phone(text) == parse_comment(text, catalog).phone, text
