"""Catalogue suggestions for unclear comments (rapidfuzz on folded names, aliases and codes)."""

from __future__ import annotations

import pytest

from aggregator.core.suggest import CatalogueEntry, suggest

CATALOGUE = [
    CatalogueEntry(1, "A01", "Gạo ST25 túi 5kg", ("st25", "gạo st25")),
    CatalogueEntry(2, "M02", "Mật ong hoa nhãn", ("mật ong",)),
    CatalogueEntry(3, "N01", "Nem chua Thanh Hóa", ("nem chua", "nem")),
    CatalogueEntry(4, "B01", "Bánh cáy Thái Bình", ("bánh cáy",)),
]


@pytest.mark.parametrize(
    ("comment", "code", "best"),
    [
        ("chốt 2 hũ mật nhãn", "", 2),  # the parser missed it: "mật nhãn" is not an alias
        ("lay nem chua e oi", "", 3),  # no accents
        ("chốt A1O x2", "A1O", 1),  # a mistyped code
        ("cho chị 1 banh cay nha", "", 4),
    ],
)
def test_the_likely_product_comes_first(comment: str, code: str, best: int) -> None:
    found = suggest(comment, code, CATALOGUE)
    assert found and found[0].product_id == best


@pytest.mark.parametrize("comment", ["+1", "ib", "chốt", "đẹp quá shop ơi"])
def test_chatter_suggests_nothing(comment: str) -> None:
    assert suggest(comment, "", CATALOGUE) == []


def test_at_most_the_limit_best_first() -> None:
    found = suggest("gạo st25, mật ong, nem chua, bánh cáy", "", CATALOGUE, limit=2)
    assert len(found) == 2 and found[0].score >= found[1].score
