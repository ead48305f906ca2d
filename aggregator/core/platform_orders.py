"""Pure rules for orders the platforms record themselves (TikTok Shop): status → our step.

A TikTok order that is paid, or COD and awaiting shipment, was already confirmed by the buyer in
the shop: it becomes (or stays) a confirmed order. CANCELLED cancels ours and gives its stock
back. UNPAID and ON_HOLD (TikTok's remorse window) are not orders to pack yet: we wait. Statuses
after shipment (IN_TRANSIT, DELIVERED, COMPLETED) ask only that the order exists and is confirmed;
the guarded state machine refuses a move back, so a packed or shipped order of ours stays where it
is, and a late delivery of an older state never reaches here (the store keeps the newest state).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from aggregator.core.parser.phone import normalize_phone
from schema.enums import PaymentMethod


class PlatformAction(StrEnum):
    WAIT = "wait"
    CONFIRM = "confirm"
    CANCEL = "cancel"


class Step(StrEnum):
    NOTHING = "nothing"
    CREATE_CONFIRMED = "create_confirmed"
    CONFIRM = "confirm"
    CANCEL = "cancel"


TIKTOK_ACTIONS: dict[str, PlatformAction] = {
    "UNPAID": PlatformAction.WAIT,
    "ON_HOLD": PlatformAction.WAIT,
    "AWAITING_SHIPMENT": PlatformAction.CONFIRM,
    "AWAITING_COLLECTION": PlatformAction.CONFIRM,
    "PARTIALLY_SHIPPING": PlatformAction.CONFIRM,
    "IN_TRANSIT": PlatformAction.CONFIRM,
    "DELIVERED": PlatformAction.CONFIRM,
    "COMPLETED": PlatformAction.CONFIRM,
    "CANCELLED": PlatformAction.CANCEL,
}


def tiktok_action(status: str) -> PlatformAction:
    """An unknown status is not acted on: the order waits for one we understand."""
    return TIKTOK_ACTIONS.get(status.strip().upper(), PlatformAction.WAIT)


# For orders TikTok ships (it never gets a parcel of ours): where TikTok's carrier has the parcel.
# The state table allows packed -> shipped -> delivered only, so an order staff have not packed
# yet never jumps ahead.
CARRIER_PROGRESS: dict[str, tuple[str, ...]] = {
    "IN_TRANSIT": ("shipped",),
    "DELIVERED": ("shipped", "delivered"),
    "COMPLETED": ("shipped", "delivered"),
}


def tiktok_carrier_moves(status: str) -> tuple[str, ...]:
    """Our statuses, in order, that TikTok's status says its carrier has reached."""
    return CARRIER_PROGRESS.get(status.strip().upper(), ())


def next_step(action: PlatformAction, has_order: bool) -> Step:
    if action is PlatformAction.CONFIRM:
        return Step.CONFIRM if has_order else Step.CREATE_CONFIRMED
    if action is PlatformAction.CANCEL and has_order:
        return Step.CANCEL
    return Step.NOTHING


@dataclass(frozen=True, slots=True)
class Delivery:
    """Who receives the parcel and how it is paid, as the TikTok order detail says."""

    payment: PaymentMethod
    name: str | None
    phone: str | None
    address: str | None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def tiktok_delivery(raw: dict[str, Any]) -> Delivery:
    """From a 202309 order object; a masked or foreign phone is left out rather than guessed."""
    address = raw.get("recipient_address")
    address = address if isinstance(address, dict) else {}
    phone = _text(address.get("phone_number"))
    return Delivery(
        payment=PaymentMethod.COD if raw.get("is_cod") is True else PaymentMethod.PLATFORM,
        name=_text(address.get("name")),
        phone=normalize_phone(phone) if phone else None,
        address=_text(address.get("full_address")),
    )
