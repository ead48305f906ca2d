"""TikTok Shop status → our step, and the delivery read from the order detail."""

from __future__ import annotations

import pytest

from aggregator.core.platform_orders import (
    PlatformAction,
    Step,
    next_step,
    tiktok_action,
    tiktok_delivery,
)
from schema.enums import PaymentMethod


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("UNPAID", PlatformAction.WAIT),
        ("ON_HOLD", PlatformAction.WAIT),
        ("AWAITING_SHIPMENT", PlatformAction.CONFIRM),
        ("COMPLETED", PlatformAction.CONFIRM),
        ("CANCELLED", PlatformAction.CANCEL),
        ("SOMETHING_NEW", PlatformAction.WAIT),
    ],
)
def test_tiktok_status_maps_to_an_action(status: str, action: PlatformAction) -> None:
    assert tiktok_action(status) is action


def test_steps() -> None:
    assert next_step(PlatformAction.CONFIRM, has_order=False) is Step.CREATE_CONFIRMED
    assert next_step(PlatformAction.CONFIRM, has_order=True) is Step.CONFIRM
    assert next_step(PlatformAction.CANCEL, has_order=False) is Step.NOTHING
    assert next_step(PlatformAction.CANCEL, has_order=True) is Step.CANCEL
    assert next_step(PlatformAction.WAIT, has_order=True) is Step.NOTHING


def test_delivery_keeps_a_masked_phone_out() -> None:
    paid = tiktok_delivery({"recipient_address": {"name": "Lan", "phone_number": "(+84)91*****78"}})
    assert (paid.payment, paid.name, paid.phone, paid.address) == (
        PaymentMethod.PLATFORM, "Lan", None, None,
    )  # fmt: skip
    cod = tiktok_delivery(
        {"is_cod": True, "recipient_address": {"phone_number": "+84 912 345 678"}}
    )
    assert (cod.payment, cod.phone) == (PaymentMethod.COD, "0912345678")
