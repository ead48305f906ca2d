"""The director's money rules, COD = total - paid, who pays the courier, and each courier's own
field for it (GHN payment_type_id, GHTK is_freeship, Viettel Post ORDER_PAYMENT)."""

from __future__ import annotations

import pytest

from aggregator.core.prepay import (
    DEFAULT_PAYMENT_HOURS,
    MoneyRules,
    MoneyRulesError,
    cod_due,
    money_rules,
    rules_from_form,
    shop_pays_shipping,
)
from aggregator.core.risk import RiskLevel
from connectors.couriers import ghn, ghtk, viettelpost
from connectors.couriers.port import Item, Party, ShipmentRequest


def test_rules_read_back_what_they_store_and_default_when_malformed() -> None:
    rules = MoneyRules(RiskLevel.MEDIUM, 12, 30_000)
    assert money_rules(rules.as_settings()) == rules
    assert money_rules({}) == MoneyRules(None, DEFAULT_PAYMENT_HOURS, 0)
    odd = {"prepay_at_risk": "huge", "payment_deadline_hours": "12", "shipping_fee_vnd": -5}
    assert money_rules(odd) == MoneyRules()
    assert money_rules({"payment_deadline_hours": True}).payment_hours == DEFAULT_PAYMENT_HOURS


def test_the_form_accepts_dots_and_refuses_out_of_range() -> None:
    assert rules_from_form("high", "48", "25.000") == MoneyRules(RiskLevel.HIGH, 48, 25_000)
    assert rules_from_form("", "1", "") == MoneyRules(None, 1, 0)
    for risk, hours, fee in [
        ("x", "1", "0"),
        ("low", "0", "0"),
        ("low", "1", "-1"),
        ("low", "999", "0"),
        ("low", "1", "600.000"),
        ("low", "２", "0"),
    ]:
        with pytest.raises(MoneyRulesError):
            rules_from_form(risk, hours, fee)


def test_cod_is_what_is_still_owed() -> None:
    assert cod_due(360_000, 0, "cod", False) == 360_000
    assert cod_due(360_000, 100_000, "cod", False) == 260_000
    assert cod_due(360_000, 100_000, "vietqr", False) == 260_000  # never "paid" while owed
    assert cod_due(360_000, 360_000, "vietqr", True) == 0
    assert cod_due(360_000, 400_000, "cod", False) == 0
    assert cod_due(360_000, 0, "platform", False) == 0


def test_the_shop_pays_the_courier_for_free_shipping_or_a_fee_already_charged() -> None:
    assert shop_pays_shipping(True, 0) and shop_pays_shipping(False, 30_000)
    assert not shop_pays_shipping(False, 0)


def _request(cod: int, shop_pays: bool) -> ShipmentRequest:
    party = Party("HTX", "0912000111", "Thôn Đông", "Xã Vũ Thư", "Hưng Yên")
    return ShipmentRequest("CD0000001", party, party, (Item("Gạo", 2, 180_000, 1000),), cod,
                           360_000, 2000, shop_pays_shipping=shop_pays)  # fmt: skip


@pytest.mark.parametrize(
    ("cod", "shop_pays", "ghn_type", "freeship", "vtp_payment"),
    [(360_000, True, 1, 1, 3), (360_000, False, 2, 0, 2), (0, True, 1, 1, 1), (0, False, 2, 0, 4)],
)
def test_each_courier_is_told_who_pays(
    cod: int, shop_pays: bool, ghn_type: int, freeship: int, vtp_payment: int
) -> None:
    request = _request(cod, shop_pays)
    assert ghn.create_body(request)["payment_type_id"] == ghn_type
    assert ghtk.create_body(request)["order"]["is_freeship"] == freeship
    assert viettelpost.create_body(request)["ORDER_PAYMENT"] == vtp_payment
