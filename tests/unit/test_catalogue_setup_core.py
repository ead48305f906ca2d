"""Pure rules of the director's catalogue and live setup: product fields, photos, keyword
templates and on-air promotions."""

from __future__ import annotations

import pytest

from aggregator.core.catalogue import AliasOwners, alias_clashes, product_from_fields
from aggregator.core.keywords import format_keywords, merge_keywords, parse_keywords, with_keywords
from aggregator.core.parser import parse_comment
from aggregator.core.parser.catalog import Catalog
from aggregator.core.promotion import (
    Promotion,
    PromotionError,
    PromotionKind,
    order_totals,
    promotion_from_form,
    promotion_of,
)
from schema.parsing import CatalogProduct

GOOD = {
    "code": "a1", "name": "Gạo ST25", "aliases": "st25; gạo thơm", "variants": "5kg, 10kg",
    "price_vnd": "180.000", "weight_g": "5000", "ocop_stars": "4", "certificate_no": "OCOP-12",
}  # fmt: skip


def test_a_good_product_form_is_normalised() -> None:
    product, errors = product_from_fields(GOOD)
    assert errors == {} and product is not None
    assert product.code == "A1" and product.price_vnd == 180_000
    assert product.aliases == ("st25", "gạo thơm") and product.variant_names == ("5kg", "10kg")
    assert product.ocop_stars == 4 and product.origin_name is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("code", "A-01", "Mã gồm"),
        ("name", "  ", "Hãy nhập tên"),
        ("price_vnd", "một trăm", "Giá là số tiền"),
        ("price_vnd", "-5", "Giá là số tiền"),
        ("weight_g", "5,5", "Khối lượng"),
        ("ocop_stars", "6", "Sao OCOP là 3, 4 hoặc 5"),
        ("variants", "1kg, 1KG", "bị lặp lại"),
        ("aliases", "!!!", "phải có chữ hoặc số"),
    ],
)
def test_each_bad_field_is_named_in_vietnamese(field: str, value: str, message: str) -> None:
    product, errors = product_from_fields({**GOOD, field: value})
    assert product is None and list(errors) == [field] and message in errors[field]


def test_an_alias_of_another_product_clashes_whatever_the_case() -> None:
    owners = {"A01": ["st25"], "B01": ["bánh cáy"]}
    assert alias_clashes(owners, "C01", ["ST25", "mới"]) == [("ST25", "A01")]
    assert alias_clashes(owners, "A01", ["st25"]) == []  # its own alias is not a clash


CATALOGUE = {"A01": ["st25"], "B01": ["bánh cáy"]}


def test_keyword_templates_parse_and_name_bad_lines() -> None:
    text = "A01: gạo thơm, túi vàng\n\nZ09: lạ\nB01 bánh\nA01: bánh cáy\nB01: bánh quê"
    keywords, errors = parse_keywords(text, CATALOGUE)
    assert keywords == {"A01": ["gạo thơm", "túi vàng"], "B01": ["bánh quê"]}
    assert errors == [
        "Dòng 3: không có sản phẩm mã Z09 trong danh mục.",
        "Dòng 4: viết theo mẫu “A01: tên gọi 1, tên gọi 2”.",
        "Dòng 5: “bánh cáy” đã là tên gọi của sản phẩm B01.",
    ]
    assert parse_keywords(format_keywords(keywords), CATALOGUE) == (keywords, [])
    assert merge_keywords([{"A01": ["a"]}, {"A01": ["A", "b"]}]) == {"A01": ["a", "b"]}


def test_live_keywords_change_how_a_comment_parses() -> None:
    products = [
        CatalogProduct(code="A01", name="Gạo ST25", aliases=["st25"], price=180_000),
        CatalogProduct(code="B01", name="Bánh cáy", aliases=["bánh cáy"], price=45_000),
    ]
    before = parse_comment("lấy 2 hạt ngọc", Catalog(products))
    assert before.items == []
    # a keyword another product owns is skipped, the rest still compiles
    live = Catalog(with_keywords(products, {"A01": ["hạt ngọc", "bánh cáy"], "Z01": ["x"]}))
    after = parse_comment("lấy 2 hạt ngọc", live)
    assert [(i.code, i.qty) for i in after.items] == [("A01", 2)]
    assert [(i.code, i.qty) for i in parse_comment("3 bánh cáy", live).items] == [("B01", 3)]


def test_free_shipping_from_two_items() -> None:
    promo = Promotion(PromotionKind.FREE_SHIP, 2)
    assert order_totals(180_000, 1, 30_000, promo).total_vnd == 210_000
    two = order_totals(360_000, 2, 30_000, promo)
    assert two.free_shipping and two.total_vnd == 360_000 and two.discount_vnd == 0
    assert promo.describe() == "Miễn phí giao hàng cho đơn từ 2 sản phẩm"


def test_percentage_and_amount_discounts() -> None:
    percent = Promotion(PromotionKind.PERCENT, 3, 10)
    assert order_totals(450_000, 3, 0, percent).discount_vnd == 45_000
    assert order_totals(300_000, 2, 0, percent).discount_vnd == 0
    amount = Promotion(PromotionKind.AMOUNT, 1, 50_000)
    assert order_totals(45_000, 1, 0, amount).total_vnd == 0  # never below zero
    assert order_totals(100_000, 1, 20_000, amount).total_vnd == 70_000
    assert order_totals(100_000, 5, 20_000, None).total_vnd == 120_000


def test_promotion_form_and_storage() -> None:
    promo = promotion_from_form("amount", "2", "20.000")
    assert promo == Promotion(PromotionKind.AMOUNT, 2, 20_000)
    assert promotion_of(promo.as_json()) == promo
    assert promotion_from_form("", "", "") is None and promotion_of({}) is None
    assert promotion_of({"kind": "bogus", "min_items": 1}) is None
    for args, message in [
        (("percent", "2", "95"), "từ 1 đến 90"),
        (("free_ship", "0", ""), "từ 1 đến 99"),
        (("amount", "hai", "1000"), "số nguyên"),
        (("tặng quà", "1", ""), "loại khuyến mãi"),
    ]:
        with pytest.raises(PromotionError, match=message):
            promotion_from_form(*args)


def test_alias_owners_follow_a_product_that_gives_up_an_alias() -> None:
    owners = AliasOwners({"A01": ["st25", "gạo"], "B01": ["bánh cáy"]})
    assert owners.clashes("C01", ["ST25"]) == [("ST25", "A01")]
    owners.replace("A01", ["gạo"])  # a CSV row for A01 without "st25"
    assert owners.clashes("C01", ["st25"]) == [] and owners.clashes("C01", ["gạo"]) == [
        ("gạo", "A01")
    ]
    owners.add("C01", ["st25"])
    assert owners.clashes("A01", ["st25"]) == [("st25", "C01")]
