"""No text makes the parser raise: a comment is read as something, whatever its digits.

A run of 400 digits before a unit overflowed a float, one of more than 4,300 digits passed
Python's limit on int() of a string, and either made the whole batch the comment came in fail
to store (the ingest path reads every comment with this code). Such runs are no number anyone
means: they are read as plain words now, and ordinary numbers read as before.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from aggregator.cli.parse import BENCH_CATALOG
from aggregator.core.parser import Catalog, catalog_from_data, parse_comment
from schema.parsing import Intent

CATALOG = catalog_from_data(BENCH_CATALOG)
HOSTILE = [
    "1" * 400 + " g",
    "9" * 400 + ".5 kg",
    "chốt A01 x" + "9" * 5_000,
    "0" * 5_000 + "1 kg",
    "A" + "0" * 5_000 + "1",
    "A" + "9" * 5_000,
    "1." + "9" * 5_000,
    "²³ hộp",
]


@pytest.fixture
def catalog() -> Catalog:
    return CATALOG


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: f"{t[:12]}…{len(t)}")
def test_a_hostile_run_of_digits_is_read_not_raised(text: str, catalog: Catalog) -> None:
    parse_comment(text, catalog)


def test_what_a_long_run_stands_beside_is_still_read(catalog: Catalog) -> None:
    reading = parse_comment("chốt A01 x2 " + "1" * 5_000, catalog)
    assert reading.intent is Intent.ORDER
    assert [(i.code, i.qty) for i in reading.items] == [("A01", 2)]


@settings(max_examples=300, deadline=None)
@given(
    digits=st.text(alphabet="0123456789", min_size=16, max_size=6_000),
    before=st.sampled_from(["", "chốt A01 ", "A", "lấy ", "x"]),
    after=st.sampled_from(["", " kg", "k", " hộp", ".5 kg", " đ", ",5"]),
)
def test_any_long_run_of_digits_with_any_neighbour_reads(
    digits: str, before: str, after: str
) -> None:
    parse_comment(before + digits + after, CATALOG)
