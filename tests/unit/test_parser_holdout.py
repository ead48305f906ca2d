"""The holdout comments, written and labelled separately from the parser: >= 97 % exact match."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from aggregator.core.parser import Catalog, catalog_from_data, parse_comment
from aggregator.parse_cli import comment_record

DATA = Path(__file__).resolve().parent.parent / "data" / "comments"
REQUIRED_EXACT_MATCH = 0.97


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return catalog_from_data(orjson.loads((DATA / "catalog.json").read_bytes()))


def _labelled() -> list[dict[str, object]]:
    lines = (DATA / "holdout.jsonl").read_text(encoding="utf-8").splitlines()
    return [orjson.loads(line) for line in lines if line.strip()]


def test_holdout_exact_match(catalog: Catalog) -> None:
    records = _labelled()
    misses = []
    for record in records:
        got = comment_record(parse_comment(str(record["text"]), catalog))
        expected = {k: record[k] for k in ("intent", "items", "phone")}
        if got != expected:
            misses.append(
                f"{record['id']} {record['text']!r}\n  expected {expected}\n  got      {got}"
            )
    exact = 1 - len(misses) / len(records)
    print(f"holdout exact match: {exact:.1%} ({len(records) - len(misses)}/{len(records)})")
    assert exact >= REQUIRED_EXACT_MATCH, "\n".join(misses)


def test_holdout_has_every_intent() -> None:
    assert {r["intent"] for r in _labelled()} == {"order", "cancel", "question", "other"}
