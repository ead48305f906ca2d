"""The order state machine's table: which moves are allowed.

Only aggregator's state module applies them."""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    DRAFT = "draft"
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    CONFIRMED = "confirmed"
    PACKING = "packing"
    PACKED = "packed"
    NEEDS_ADDRESS = "needs_address"  # the courier refused the address; staff correct it
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    RETURNED = "returned"


S = OrderStatus

# to-status -> the statuses an order may move from. The guarded UPDATE uses exactly this set.
ALLOWED_FROM: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.AWAITING_CONFIRMATION: frozenset({S.DRAFT, S.CONFIRMED}),  # CONFIRMED: buyer changed it
    S.CONFIRMED: frozenset({S.DRAFT, S.AWAITING_CONFIRMATION}),
    S.PACKING: frozenset({S.CONFIRMED}),
    S.PACKED: frozenset({S.PACKING, S.NEEDS_ADDRESS}),  # NEEDS_ADDRESS: staff fixed it
    S.NEEDS_ADDRESS: frozenset({S.PACKED}),
    S.SHIPPED: frozenset({S.PACKED}),
    S.DELIVERED: frozenset({S.SHIPPED}),
    S.RETURNED: frozenset({S.SHIPPED}),
    S.CANCELLED: frozenset(
        {S.DRAFT, S.AWAITING_CONFIRMATION, S.CONFIRMED, S.PACKING, S.PACKED, S.NEEDS_ADDRESS}
    ),
    # CONFIRMED: an order that must prepay, unpaid at its payment deadline.
    S.EXPIRED: frozenset({S.DRAFT, S.AWAITING_CONFIRMATION, S.CONFIRMED}),
    S.DRAFT: frozenset(),
}

# Open orders take new comments of the same buyer in the same live.
OPEN_STATUSES: frozenset[OrderStatus] = frozenset({S.DRAFT, S.AWAITING_CONFIRMATION, S.CONFIRMED})
FINAL_STATUSES: frozenset[OrderStatus] = frozenset(
    {S.DELIVERED, S.CANCELLED, S.EXPIRED, S.RETURNED}
)


def can_move(current: OrderStatus, target: OrderStatus) -> bool:
    return current in ALLOWED_FROM[target]


class ReturnStatus(StrEnum):
    """A buyer's return of a delivered order (table returns, migration 0032)."""

    REQUESTED = "requested"  # the buyer asked from their order link
    REFUSED = "refused"  # staff said no, with a reason (an end)
    ACCEPTED = "accepted"  # staff said yes: a courier pickup, the buyer's post, or nothing to send
    RECEIVED = "received"  # the goods arrived (or were thrown away): each line restocked or not
    REFUNDED = "refunded"  # the money went back (an end)


R = ReturnStatus

# to-status -> the statuses a return may move from (aggregator/orders/state.py move_return).
RETURN_ALLOWED_FROM: dict[ReturnStatus, frozenset[ReturnStatus]] = {
    R.REQUESTED: frozenset(),
    R.REFUSED: frozenset({R.REQUESTED}),
    R.ACCEPTED: frozenset({R.REQUESTED}),
    R.RECEIVED: frozenset({R.ACCEPTED}),
    R.REFUNDED: frozenset({R.RECEIVED}),
}
RETURN_FINAL_STATUSES: frozenset[ReturnStatus] = frozenset({R.REFUSED, R.REFUNDED})
