"""The memo of recent readings (issue 21, goal 4): a repeat reads exactly as a full reading.

parse_comment answers a text it has read before with the same catalog from the catalog's memo;
read_comment always reads in full. They must agree on every labelled comment, the memo must stay
bounded, and a memo must never carry a reading from one catalog to another.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from aggregator.cli.parse import BENCH_CATALOG, bench_corpus, comment_record
from aggregator.core.parser import Catalog, catalog_from_data, parse_comment, read_comment
from aggregator.core.parser.parse import MEMO_SIZE

DATA = Path(__file__).resolve().parent.parent / "data" / "comments"


@pytest.fixture
def catalog() -> Catalog:
    return catalog_from_data(orjson.loads((DATA / "catalog.json").read_bytes()))


def _texts() -> list[str]:
    texts = []
    for name in ("dev.jsonl", "holdout.jsonl", "hard.jsonl", "hard_blind.jsonl"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(str(orjson.loads(line)["text"]))
    return texts


def test_a_remembered_reading_equals_a_full_reading(catalog: Catalog) -> None:
    texts = _texts()
    fresh = catalog_from_data(orjson.loads((DATA / "catalog.json").read_bytes()))
    first = [parse_comment(t, catalog) for t in texts]
    again = [parse_comment(t, catalog) for t in texts]  # from the memo where it still holds them
    full = [read_comment(t, fresh) for t in texts]
    assert [comment_record(p) for p in again] == [comment_record(p) for p in full]
    assert first == full
    assert any(a is f for a, f in zip(again, first, strict=True))  # the memo was used


def test_a_repeat_is_answered_from_the_memo(catalog: Catalog) -> None:
    text = "chốt A01 x2 sđt 0912345678"
    first = parse_comment(text, catalog)
    assert parse_comment(text, catalog) is first
    assert catalog.readings[text] is first
    assert read_comment(text, catalog) is not first  # read_comment never uses it


def test_the_memo_is_bounded_and_drops_the_oldest_first(catalog: Catalog) -> None:
    texts = [f"lấy {i} hộp nem" for i in range(MEMO_SIZE + 10)]
    for text in texts:
        parse_comment(text, catalog)
    assert len(catalog.readings) == MEMO_SIZE
    assert texts[0] not in catalog.readings
    assert texts[-1] in catalog.readings


def test_each_catalog_has_its_own_memo(catalog: Catalog) -> None:
    bench = catalog_from_data(BENCH_CATALOG)
    text = "lấy 2 hộp bánh cáy và 1 nem chua"
    assert parse_comment("chốt A02", catalog).items[0].code == "A02"
    assert parse_comment("chốt A02", bench).items == []  # the bench catalogue has no A02
    assert parse_comment(text, catalog) == read_comment(text, catalog)
    assert parse_comment(text, bench) == read_comment(text, bench)


def test_memo_agrees_on_a_live_like_corpus() -> None:
    texts = bench_corpus(3000)
    memo, fresh = catalog_from_data(BENCH_CATALOG), catalog_from_data(BENCH_CATALOG)
    assert len(set(texts)) < len(texts)  # repeats, so the memo answers some
    assert [parse_comment(t, memo) for t in texts] == [read_comment(t, fresh) for t in texts]
