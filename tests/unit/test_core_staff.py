"""Pure staff rules: roles, CSRF compare, search helpers, scans."""

from __future__ import annotations

from aggregator.core.staff import (
    Area,
    home_path,
    like_pattern,
    may_open,
    phone_digits,
    scan_matches,
    token_hash,
    tokens_match,
)
from schema.enums import StaffRole


def test_roles_open_their_areas_only() -> None:
    assert may_open(StaffRole.DIRECTOR, Area.ORDERS) and may_open(StaffRole.DIRECTOR, Area.PACKING)
    assert may_open(StaffRole.STAFF, Area.ORDERS) and may_open(StaffRole.STAFF, Area.PACKING)
    assert may_open(StaffRole.PACKER, Area.PACKING)
    assert not may_open(StaffRole.PACKER, Area.ORDERS)
    assert home_path(StaffRole.PACKER) == "/dong-goi"
    assert home_path(StaffRole.STAFF) == "/don"


def test_csrf_tokens_compare() -> None:
    assert tokens_match("abc", "abc")
    assert not tokens_match("abc", "abd")
    assert not tokens_match("", "")
    assert not tokens_match("abc", "")


def test_session_tokens_are_stored_hashed() -> None:
    assert token_hash("t") != "t" and len(token_hash("t")) == 64


def test_search_helpers() -> None:
    assert like_pattern("50%_off\\") == "%50\\%\\_off\\\\%"
    assert phone_digits("+84 912 345 678") == "0912345678"
    assert phone_digits("0912.345.678") == "0912345678"
    assert phone_digits("Lan") is None and phone_digits("12345") is None


def test_scan_matches_the_order_number() -> None:
    assert scan_matches("CD0000012", " cd0000012\n")
    assert not scan_matches("CD0000012", "CD0000013")
    assert not scan_matches("", "")
