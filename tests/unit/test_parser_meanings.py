"""The memo of recent scans' meanings (issue 21, goal 4): distinct texts that scan alike.

read_comment looks what follows the scan (intent, items) up on the catalog by what the scan found.
A reading from it must equal a reading made without it, on every labelled comment and on pairs of
texts that differ in one thing the scan finds; the memo must stay bounded and per catalog.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from aggregator.cli.parse import BENCH_CATALOG, bench_corpus
from aggregator.core.parser import Catalog, catalog_from_data, read_comment
from aggregator.core.parser.parse import MEANINGS_SIZE

DATA = Path(__file__).resolve().parent.parent / "data" / "comments"
# Each pair scans alike but for one field of one element, the clauses' signals or the content
# words, and reads differently: the second text would take the first one's meaning if the memo's
# key left that out. (An element's clause and clause_break follow from the order of the elements
# and separators, so no pair differs in them alone.)
PAIRS = (
    ("lấy 2 hộp nem", "lấy 3 hộp nem"),  # qty
    ("chốt A01", "chốt N01"),  # code
    ("chốt A09", "chốt A01"),  # a code the catalog lacks
    ("st25 ngon", "A01 ngon"),  # as_code
    ("nem 2 hộp 3x bánh cáy", "nem 2 hộp x3 bánh cáy"),  # postfix
    ("2", "2 hộp"),  # counted
    ("mật ong 500ml", "mật ong 1l"),  # measure
    ("lấy 2 hộp nem", "hủy 2 hộp nem"),  # signals
    ("nem chua", "nem chua ngon"),  # content words
)


@pytest.fixture
def catalog() -> Catalog:
    return catalog_from_data(orjson.loads((DATA / "catalog.json").read_bytes()))


def _full(text: str, catalog: Catalog) -> dict[str, object]:
    catalog.meanings.clear()  # so nothing comes from an earlier text
    return read_comment(text, catalog).model_dump()


def _labelled() -> list[str]:
    texts = []
    for name in ("dev.jsonl", "holdout.jsonl", "hard.jsonl", "hard_blind.jsonl"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(str(orjson.loads(line)["text"]))
    return texts


def test_texts_that_differ_in_one_found_thing_read_as_in_full(catalog: Catalog) -> None:
    fresh = catalog_from_data(orjson.loads((DATA / "catalog.json").read_bytes()))
    for first, second in PAIRS:
        catalog.meanings.clear()
        read_comment(first, catalog)
        reading = read_comment(second, catalog).model_dump()
        assert reading == _full(second, fresh), (first, second)
        assert reading != _full(first, fresh), (first, second)  # the pair does differ


def test_readings_from_the_memo_equal_full_readings(catalog: Catalog) -> None:
    texts = _labelled()
    fresh = catalog_from_data(orjson.loads((DATA / "catalog.json").read_bytes()))
    shared = [read_comment(t, catalog).model_dump() for t in texts]
    assert len(catalog.meanings) < len(set(texts))  # some texts took an earlier one's meaning
    assert shared == [_full(t, fresh) for t in texts]


def test_a_text_that_scans_alike_takes_the_remembered_meaning(catalog: Catalog) -> None:
    first = read_comment("chốt A01 x2 sđt 0912345678", catalog)
    assert len(catalog.meanings) == 1
    second = read_comment("chốt A01 x2 sđt 0987654321", catalog)
    assert len(catalog.meanings) == 1
    assert (second.intent, second.items, second.phone) == (first.intent, first.items, "0987654321")
    bare = read_comment("chốt A01 x2", catalog)
    assert read_comment("chốt A01 x2 ạ", catalog) is bare  # no phone: the one frozen reading


def test_the_memo_is_bounded_and_drops_the_oldest_first() -> None:
    catalog = catalog_from_data(BENCH_CATALOG)
    texts = [f"lấy {n} hộp {alias}" for alias in ("nem", "vải", "bánh cáy") for n in range(1, 1000)]
    assert len(texts) > MEANINGS_SIZE
    keys = []
    for text in texts:
        read_comment(text, catalog)
        keys.append(next(reversed(catalog.meanings)))
    assert len(set(keys)) == len(texts)  # every text had a meaning of its own
    assert len(catalog.meanings) == MEANINGS_SIZE
    assert keys[0] not in catalog.meanings
    assert keys[-1] in catalog.meanings


def test_each_catalog_has_its_own_memo(catalog: Catalog) -> None:
    bench = catalog_from_data(BENCH_CATALOG)
    assert read_comment("chốt A02 x2", catalog).items[0].code == "A02"
    assert read_comment("chốt A02 x2", bench).items == []  # the bench catalogue has no A02
    assert len(bench.meanings) == 1


def test_the_bench_corpus_reads_as_in_full() -> None:
    texts = list(dict.fromkeys(bench_corpus(3000)))
    memo, fresh = catalog_from_data(BENCH_CATALOG), catalog_from_data(BENCH_CATALOG)
    assert [read_comment(t, memo).model_dump() for t in texts] == [_full(t, fresh) for t in texts]
