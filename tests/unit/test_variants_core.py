"""Variants with their own price and weight, as the director writes them (aggregator.core.variants),
and the product form that reads them (issue 20)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aggregator.core.catalogue import product_from_fields
from aggregator.core.variants import (
    VariantInput,
    format_variants,
    parse_variants,
    parse_weight,
    variant_inputs,
)
from aggregator.orders.loading import ProductRef

BUYER_CSS = Path(__file__).parents[2] / "aggregator" / "web" / "static" / "buyer.css"


def test_one_variant_per_line_each_with_its_own_price_and_weight() -> None:
    text = "1kg\n2kg = 85.000 / 2kg\n5kg = 200000đ / 5000g"
    variants, problem = parse_variants(text)
    assert problem == ""
    assert variants == (
        VariantInput("1kg"),
        VariantInput("2kg", 85_000, 2_000),
        VariantInput("5kg", 200_000, 5_000),
    )
    assert [v.price(45_000) for v in variants] == [45_000, 85_000, 200_000]


def test_names_only_with_commas_still_read_and_a_thousands_comma_is_not_a_new_variant() -> None:
    assert parse_variants("500ml, 1l")[0] == (VariantInput("500ml"), VariantInput("1l"))
    assert parse_variants("2kg = 85,000, 5kg = 200,000; 10kg")[0] == (
        VariantInput("2kg", 85_000), VariantInput("5kg", 200_000), VariantInput("10kg"),
    )  # fmt: skip
    assert parse_variants("")[0] == ()


def test_a_weight_without_a_price_keeps_the_products_price() -> None:
    variants, problem = parse_variants("hộp lớn = / 1,5kg")
    assert problem == "" and variants == (VariantInput("hộp lớn", None, 1_500),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2kg = tám mươi nghìn", "Loại 2kg: giá là số tiền VND"),
        ("2kg = 85.000 / nặng", "Loại 2kg: khối lượng"),
        ("= 85.000", "thiếu tên loại"),
        ("1kg\n1KG = 50.000", "bị lặp lại"),
        ("x" * 61, "dài quá 60"),
        (";".join(f"{n}kg" for n in range(31)), "Tối đa 30"),
        ("2kg = 2000000000", "giá là số tiền"),
    ],
)
def test_a_wrong_variant_is_named_in_vietnamese(text: str, message: str) -> None:
    variants, problem = parse_variants(text)
    assert variants == () and message in problem


def test_the_form_shows_what_it_read_and_reads_it_back_the_same() -> None:
    variants = (VariantInput("1kg"), VariantInput("2kg", 85_000, 2_000), VariantInput("x", None, 9))
    text = format_variants(variants)
    assert text == "1kg\n2kg = 85.000 / 2000g\nx = / 9g"
    assert parse_variants(text) == (variants, "")
    rows = [{"name": v.name, "price_vnd": v.price_vnd, "weight_g": v.weight_g} for v in variants]
    assert variant_inputs(rows) == variants


def test_weights_in_grams_or_kilograms() -> None:
    assert [parse_weight(t) for t in ("500", "500g", "0,5 kg", "2kg", "500 gam")] == [
        500, 500, 500, 2_000, 500,
    ]  # fmt: skip
    assert parse_weight("101kg") is None and parse_weight("nhẹ") is None


def test_the_product_form_refuses_a_bad_variant_under_its_own_field() -> None:
    fields = {"code": "V05", "name": "Vải thiều", "price_vnd": "45000", "variants": "2kg = ?"}
    product, errors = product_from_fields(fields)
    assert product is None and list(errors) == ["variants"]
    product, errors = product_from_fields({**fields, "variants": "1kg\n2kg = 85.000"})
    assert product is not None and product.variant_names == ("1kg", "2kg")


def test_an_order_line_takes_its_variants_price_or_the_products() -> None:
    lychee = ProductRef(7, 45_000, {"2kg": 85_000, "5kg": 200_000})
    assert [lychee.price_of(v) for v in ("1kg", "2kg", "5kg", "")] == [
        45_000, 85_000, 200_000, 45_000,
    ]  # fmt: skip


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_ocop_stars_on_the_buyer_page_meet_wcag_aa_contrast() -> None:
    css = BUYER_CSS.read_text(encoding="utf-8")
    stars = re.search(r"^\.ocop \{ color: (#[0-9a-f]{6});", css, re.MULTILINE)
    card = re.search(r"^\.card \{ background: #(f{3}|f{6});", css, re.MULTILINE)
    page = re.search(r"^\s+color: #1c1c1c; background: (#[0-9a-f]{6});", css, re.MULTILINE)
    assert stars and card and page, "buyer.css changed shape: update this test"
    assert _contrast("#b8860b", "#ffffff") < 4.5  # the old gold, 3.25:1 (issue 20)
    assert _contrast(stars[1], "#ffffff") >= 4.5  # on the white card
    assert _contrast(stars[1], page[1]) >= 4.5
