"""The set-up form's rules and the cooperative's own wording and fee table: pure, no I/O."""

from __future__ import annotations

import pytest

from aggregator.core.cooperative import (
    CooperativeFormError,
    Pickup,
    account_name_text,
    new_cooperative,
    slug_for,
    vietqr_from_form,
)
from aggregator.core.shop_texts import (
    DEFAULTS,
    ShopTextError,
    fees_from_form,
    fill,
    province_fee,
    template_text,
    templates_from_form,
)

PROVINCES = frozenset({"Hưng Yên", "Phú Thọ"})
FORM = {
    "name": "  HTX  Nông sản   Thái Bình ", "province": "Hưng Yên", "tax_code": "1000123456-001",
    "street": "Thôn Đông", "ward": "Xã Vũ Thư", "phone": "+84 912.345.678",
    "director_name": "Phạm Thị Thu", "login": "giamdoc_tb", "password": "mat-khau-dai-du",
    "password2": "mat-khau-dai-du",
}  # fmt: skip


def test_a_complete_form_makes_a_cooperative_with_its_pickup_address() -> None:
    new = new_cooperative(FORM, PROVINCES)
    assert new.slug == "htx-nong-san-thai-binh"
    assert new.profile.name == "HTX Nông sản Thái Bình"
    assert new.profile.pickup == Pickup(
        "HTX Nông sản Thái Bình", "0912345678", "Thôn Đông", "Xã Vũ Thư", "Hưng Yên"
    )
    assert new.profile.tax_code == "1000123456-001"
    assert "mat-khau" not in repr(new)


def test_every_wrong_field_is_named_at_once_in_vietnamese() -> None:
    bad = {**FORM, "province": "Thái Bình", "tax_code": "123", "phone": "12345",
           "login": "g", "password": "ngan", "street": ""}  # fmt: skip
    with pytest.raises(CooperativeFormError) as caught:
        new_cooperative(bad, PROVINCES)
    assert set(caught.value.errors) == {"province", "tax_code", "phone", "login", "password",
                                        "street"}  # fmt: skip
    assert caught.value.http_status == 400


@pytest.mark.parametrize(
    ("name", "slug"),
    [("Hợp tác xã Mật ong Tam Đảo", "hop-tac-xa-mat-ong-tam-dao"), ("Đ", "htx-d"),
     ("HTX Vải thiều Thanh Hà — Hải Dương", "htx-vai-thieu-thanh-ha-hai-duong")],
)  # fmt: skip
def test_slugs_are_plain_letters(name: str, slug: str) -> None:
    assert slug_for(name) == slug


def test_a_vietqr_account_takes_a_listed_bank_or_a_typed_bin() -> None:
    account = vietqr_from_form({"bank_bin": "970405", "account_no": "1500-2055 1234",
                                "account_name": "Hợp tác xã Đông Hưng"})  # fmt: skip
    assert (account.bank_bin, account.account_no) == ("970405", "150020551234")
    assert (
        account.account_name == "HOP TAC XA DONG HUNG" == account_name_text("hợp tác xã đông hưng")
    )
    other = vietqr_from_form({"bank_bin": "", "other_bin": "970999", "account_no": "1",
                              "account_name": "A"})  # fmt: skip
    assert other.bank_bin == "970999"
    with pytest.raises(CooperativeFormError) as caught:
        vietqr_from_form({"bank_bin": "97", "account_no": "x" * 20, "account_name": ""})
    assert set(caught.value.errors) == {"bank_bin", "account_no", "account_name"}


def test_templates_keep_only_changes_and_refuse_unknown_placeholders() -> None:
    assert templates_from_form({"greeting": DEFAULTS["greeting"], "closing": ""}) == {}
    kept = templates_from_form({"greeting": "{htx}  kính chào {ten}:"})
    assert kept == {"greeting": "{htx} kính chào {ten}:"}
    with pytest.raises(ShopTextError) as caught:
        templates_from_form({"greeting": "Chào {khach} {ten}"})
    assert "{khach}" in caught.value.errors["greeting"]
    settings = {"message_templates": kept}
    assert template_text(settings, "closing") == DEFAULTS["closing"]
    text = fill(template_text(settings, "greeting"), {"htx": "HTX A", "ten": "Lan"})
    assert text == "HTX A kính chào Lan:"
    assert fill("{htx} chào {ten}!", {"htx": "HTX A", "ten": ""}) == "HTX A chào!"


def test_the_fee_table_names_provinces_by_code() -> None:
    fees = fees_from_form({"fee-25": "25.000", "fee-1": "", "fee-99": "5", "csrf": "x"},
                          frozenset({"25", "1"}))  # fmt: skip
    assert fees == {"25": 25_000}
    with pytest.raises(ShopTextError):
        fees_from_form({"fee-25": "nhiều"}, frozenset({"25"}))
    settings = {"shipping_fees": {"provinces": fees}}
    assert province_fee(settings, "25") == 25_000
    assert province_fee(settings, "1") is None and province_fee(settings, None) is None
    assert province_fee({"shipping_fees": {"provinces": {"25": True}}}, "25") is None
