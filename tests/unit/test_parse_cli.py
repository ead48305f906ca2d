"""The shell functions of `chotdon parse`: JSON lines in and out, --eval, bench, bad input."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest

from aggregator.cli.parse import (
    bench_corpus,
    evaluate,
    load_catalog,
    run_bench,
    run_eval,
    run_parse,
)
from aggregator.core.parser import CatalogError, ParserError

DATA = Path(__file__).resolve().parent.parent / "data" / "comments"
CATALOG = DATA / "catalog.json"


def _parse(lines: list[str], catalog: Path = CATALOG) -> list[dict[str, object]]:
    out = io.StringIO()
    assert run_parse(catalog, io.StringIO("\n".join(lines) + "\n"), out) == 0
    return [orjson.loads(line) for line in out.getvalue().splitlines()]


def test_parse_writes_one_record_per_line_in_order() -> None:
    records = _parse(
        [
            '{"id": "a", "text": "chốt A01 x2 sđt 0912.345.678"}',
            '{"id": 7, "text": "giá bao nhiêu vậy shop", "extra": true}',
            '{"id": "c", "text": "hủy đơn"}',
        ]
    )
    assert records == [
        {
            "id": "a",
            "intent": "order",
            "items": [{"code": "A01", "qty": 2, "variant": None}],
            "phone": "0912345678",
        },
        {"id": 7, "intent": "question", "items": [], "phone": None},
        {"id": "c", "intent": "cancel", "items": [], "phone": None},
    ]


def test_blank_lines_are_skipped() -> None:
    assert [
        r["id"] for r in _parse(['{"id": 1, "text": "+1"}', "", "   ", '{"id": 2, "text": "ib"}'])
    ] == [1, 2]


@pytest.mark.parametrize(
    ("line", "expected_id", "error_part"),
    [
        ('{"id": "x", "text": ', None, "malformed JSON"),
        ("not json at all", None, "malformed JSON"),
        ('["a list"]', None, "not a JSON object"),
        ('{"id": "m"}', "m", "missing 'text'"),
        ('{"id": "n", "text": 12}', "n", "must be a string"),
        ('{"id": "o", "text": null}', "o", "missing 'text'"),
    ],
)
def test_bad_lines_give_an_error_record_and_the_run_goes_on(
    line: str, expected_id: object, error_part: str
) -> None:
    records = _parse(['{"id": "ok1", "text": "A01"}', line, '{"id": "ok2", "text": "B01"}'])
    assert [r["id"] for r in records] == ["ok1", expected_id, "ok2"]
    bad = records[1]
    assert bad["line"] == 2
    assert error_part in str(bad["error"])
    assert records[2]["items"] == [{"code": "B01", "qty": 1, "variant": None}]


def _write_catalog(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "catalog.json"
    path.write_bytes(orjson.dumps(data))
    return path


GOOD = {"code": "A01", "name": "Gạo", "aliases": ["gạo"], "price": 1000, "variants": []}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": "A01"}, "JSON list"),
        ([], "no products"),
        ([GOOD, "oops"], "catalog entry 2: must be an object"),
        (
            [GOOD, {**GOOD, "code": "M02", "variants": "1l"}],
            "entry 2 (code 'M02'): variants must be",
        ),
        (
            [GOOD, {**GOOD, "code": "M02", "variants": [1]}],
            "entry 2 (code 'M02'): variants must be",
        ),
        ([{**GOOD, "price": "12k"}], "entry 1 (code 'A01'): price must be"),
        ([{**GOOD, "price": -1}], "price must be"),
        ([{k: v for k, v in GOOD.items() if k != "name"}], "missing field 'name'"),
        ([{**GOOD, "varients": []}], "unknown field 'varients'"),
        ([{**GOOD, "code": "A 01!"}], "code must be"),
        ([GOOD, GOOD], "entry 2 (code 'A01'): duplicate code"),
        ([GOOD, {**GOOD, "code": "B01"}], "alias 'gạo' is already used by 'A01'"),
        ([{**GOOD, "aliases": ["gạo", ""]}], "aliases must be"),
    ],
)
def test_malformed_catalog_fails_at_start_with_one_clear_line(
    tmp_path: Path, data: object, message: str
) -> None:
    path = _write_catalog(tmp_path, data)
    with pytest.raises(CatalogError) as caught:
        run_parse(path, io.StringIO('{"id": 1, "text": "A01"}\n'), io.StringIO())
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, ParserError)


def test_unreadable_or_invalid_json_catalog(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="cannot read catalog"):
        load_catalog(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("[{", encoding="utf-8")
    with pytest.raises(CatalogError, match="not valid JSON"):
        load_catalog(broken)


def test_eval_prints_accuracy_confusion_and_misses(tmp_path: Path) -> None:
    labelled = tmp_path / "labelled.jsonl"
    rows = [
        {"id": "r1", "text": "chốt A01 x2", "intent": "order",
         "items": [{"code": "A01", "qty": 2, "variant": None}], "phone": None},
        {"id": "r2", "text": "giá bao nhiêu", "intent": "question", "items": [], "phone": None},
        {"id": "r3", "text": "hay quá", "intent": "order", "items": [], "phone": "0912345678"},
    ]  # fmt: skip
    labelled.write_text("\n".join(orjson.dumps(r).decode() for r in rows) + "\n", encoding="utf-8")
    out = io.StringIO()
    assert run_eval(CATALOG, labelled, out) == 0
    text = out.getvalue()
    assert "exact match" in text
    assert "66.7%" in text  # 2 of 3
    assert "confusion" in text.lower()
    assert "r3" in text
    assert "hay quá" in text


def test_evaluate_counts_fields_and_confusion() -> None:
    lines = (DATA / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    result = evaluate([*lines, "", "{broken"], load_catalog(CATALOG))
    assert result.total == len(lines)
    assert result.exact_match >= 0.97
    assert all(result.field_accuracy(f) >= result.exact_match for f in ("intent", "items", "phone"))
    assert sum(result.confusion.values()) == len(lines)
    assert len(result.bad_lines) == 1
    assert result.bad_lines[0].startswith(f"line {len(lines) + 2}: malformed JSON")


def test_bench_reports_speed_and_baseline() -> None:
    out = io.StringIO()
    result = run_bench(300, out)
    assert result["comments"] == 300
    assert 0 < result["distinct_comments"] < 300  # the corpus repeats, as a live does
    rates = ("comments_per_s", "distinct_per_s", "distinct_in_full_per_s", "jsonl_per_s",
             "jsonl_distinct_per_s")  # fmt: skip
    for name in rates:
        assert result[name] > 0, name
    assert result["baseline_per_s"] > 0
    assert result["memo_differences"] == 0
    printed = out.getvalue()
    assert "distinct texts only" in printed and "x baseline" in printed
    assert "read in full (no memo at all)" in printed
    assert "differ from a full reading: 0" in printed


def test_bench_corpus_is_deterministic() -> None:
    assert bench_corpus(50) == bench_corpus(50)
    assert len(set(bench_corpus(500))) > 100
