"""The needs_address status: only from packed, back to packed when fixed, or cancelled."""

from __future__ import annotations

import pytest

from schema.states import FINAL_STATUSES, OPEN_STATUSES, OrderStatus, can_move

S = OrderStatus


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (S.PACKED, S.NEEDS_ADDRESS, True),
        (S.NEEDS_ADDRESS, S.PACKED, True),
        (S.NEEDS_ADDRESS, S.CANCELLED, True),
        (S.NEEDS_ADDRESS, S.SHIPPED, False),  # a parcel is booked from packed only
        (S.PACKING, S.NEEDS_ADDRESS, False),
        (S.CONFIRMED, S.NEEDS_ADDRESS, False),
        (S.SHIPPED, S.NEEDS_ADDRESS, False),
        (S.NEEDS_ADDRESS, S.NEEDS_ADDRESS, False),
    ],
)
def test_needs_address_moves(current: OrderStatus, target: OrderStatus, allowed: bool) -> None:
    assert can_move(current, target) is allowed


def test_needs_address_is_neither_open_nor_final() -> None:
    assert S.NEEDS_ADDRESS not in OPEN_STATUSES | FINAL_STATUSES
