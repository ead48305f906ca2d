"""An automatic answer to one question, from the cooperative's own data, or none. Pure.

`answer(text, facts, wordings)` classifies the question, finds the product it names (or the one
product of the live), and fills the director's wording with facts read from chotdon: the live's
price and stock per variant, the product's origin and OCOP rating, the delivery fee and usual
days to the province asked about, the ways to pay. When a fact is missing (no product named
and several on sale, no origin recorded, a variant the product does not sell) there is no
answer: the question stays in the inbox for a person.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from aggregator.core.money import format_vnd
from aggregator.core.questions.kinds import QuestionKind, classify
from aggregator.core.questions.mentions import Product, find_measure, find_mention, variant_for
from aggregator.core.questions.regions import (
    DeliveryDays,
    Province,
    days_to,
    find_province,
)
from aggregator.core.questions.wording import DEFAULT_WORDING, fill

_K = QuestionKind


@dataclass(frozen=True, slots=True)
class Offer:
    """One variant of a product in the live ('' when the product has none)."""

    variant: str
    price_vnd: int
    left: int | None  # None: the live set no stock for it (not offered)


@dataclass(frozen=True, slots=True)
class ProductFacts:
    product: Product
    offers: tuple[Offer, ...]
    origin: str = ""  # "Hậu Lộc, Thanh Hóa"
    ocop_stars: int | None = None
    certificate_no: str = ""


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything an automatic answer may say, read once per live."""

    products: tuple[ProductFacts, ...]
    home: Province | None = None  # the cooperative's province
    shipping_fee_vnd: int = 0  # 0: the courier collects its own fee at the door
    days: DeliveryDays = field(default_factory=DeliveryDays)
    vietqr: bool = False
    free_ship_from: int | None = None  # the live's free-shipping promotion: from this many items


@dataclass(frozen=True, slots=True)
class Reply:
    kind: QuestionKind
    product_code: str | None
    text: str | None  # None: chotdon cannot answer it; a person does


def _offer(facts: ProductFacts, variant: str | None) -> Offer | None:
    wanted = variant or ""
    return next((o for o in facts.offers if o.variant == wanted), None)


def _priced(facts: ProductFacts, variant: str | None) -> str | None:
    offers = facts.offers
    if variant is not None or len(offers) == 1:
        offer = _offer(facts, variant) if variant is not None else offers[0]
        return None if offer is None else format_vnd(offer.price_vnd)
    return "; ".join(f"{o.variant} {format_vnd(o.price_vnd)}" for o in offers) or None


def _left(offer: Offer) -> str:
    return f"còn {offer.left}" if offer.left else "đã hết hàng"


def _stock(facts: ProductFacts, variant: str | None) -> str | None:
    offers = [o for o in facts.offers if o.left is not None]
    if variant is not None:
        offer = _offer(facts, variant)
        if offer is None or offer.left is None:
            return None
        tail = "" if offer.left else ", bạn bình luận mã để vào danh sách chờ"
        return f"loại {variant} {_left(offer)}{tail}"
    if not offers:
        return None
    if len(offers) == 1 and not offers[0].variant:
        offer = offers[0]
        return _left(offer) + ("" if offer.left else ", bạn bình luận mã để vào danh sách chờ")
    if not any(o.left for o in offers):
        return "đã hết hàng, bạn bình luận mã để vào danh sách chờ"
    return "; ".join(f"loại {o.variant} {_left(o)}" for o in offers)


def _variants(facts: ProductFacts) -> str | None:
    named = [o for o in facts.offers if o.variant]
    if not named:
        return None
    return "; ".join(f"{o.variant} giá {format_vnd(o.price_vnd)}" for o in named)


def _origin(facts: ProductFacts) -> str | None:
    parts = [f"sản xuất tại {facts.origin}"] if facts.origin else []
    if facts.ocop_stars:
        rating = f"đạt OCOP {facts.ocop_stars} sao"
        if facts.certificate_no:
            rating += f" (giấy chứng nhận số {facts.certificate_no})"
        parts.append(rating)
    return ", ".join(parts) or None


def _product_values(
    kind: QuestionKind, facts: ProductFacts, text: str, variant: str | None
) -> dict[str, str] | None:
    asked = find_measure(text, facts.product)
    if variant is None and asked is not None and kind in (_K.PRICE, _K.STOCK):
        return None  # a measure the product does not sell: a person explains
    value = {
        _K.PRICE: lambda: _priced(facts, variant),
        _K.STOCK: lambda: _stock(facts, variant),
        _K.VARIANTS: lambda: _variants(facts),
        _K.ORIGIN: lambda: _origin(facts),
    }[kind]()
    if value is None:
        return None
    blank = {_K.PRICE: "gia", _K.STOCK: "con_hang", _K.VARIANTS: "phan_loai",
             _K.ORIGIN: "xuat_xu"}[kind]  # fmt: skip
    return {"san_pham": facts.product.name, "ma": facts.product.code, blank: value}


def _shipping_values(text: str, facts: Facts) -> dict[str, str]:
    to = find_province(text)
    if facts.shipping_fee_vnd:
        fee = format_vnd(facts.shipping_fee_vnd)
    else:
        fee = "do đơn vị vận chuyển thu khi giao hàng"
    if facts.free_ship_from:
        fee += f" (miễn phí cho đơn từ {facts.free_ship_from} sản phẩm)"
    return {
        "phi_ship": fee,
        "noi_nhan": to.name if to else "toàn quốc",
        "so_ngay": days_to(facts.home, to, facts.days),
    }


def _payment_values(facts: Facts) -> dict[str, str]:
    ways = "trả tiền mặt khi nhận hàng (COD)"
    if facts.vietqr:
        ways += " hoặc chuyển khoản VietQR: mã QR có sẵn số tiền ở trang xác nhận đơn"
    return {"cach_tra": ways}


def _subject(text: str, facts: Facts) -> tuple[ProductFacts, str | None] | None:
    products: Sequence[Product] = [f.product for f in facts.products]
    mention = find_mention(text, products)
    if mention is None:
        if len(facts.products) != 1:
            return None
        only = facts.products[0]
        return only, variant_for(only.product, find_measure(text, only.product))
    found = next(f for f in facts.products if f.product.code == mention.code)
    return found, mention.variant


def answer(text: str, facts: Facts, wordings: Mapping[QuestionKind, str] | None = None) -> Reply:
    """The automatic answer to `text`, or a Reply with text None for a person."""
    kind = classify(text)
    wording = (wordings or {}).get(kind) or DEFAULT_WORDING.get(kind)
    if wording is None:
        return Reply(kind, None, None)
    if kind is _K.SHIPPING:
        return Reply(kind, None, fill(wording, _shipping_values(text, facts)))
    if kind is _K.PAYMENT:
        return Reply(kind, None, fill(wording, _payment_values(facts)))
    subject = _subject(text, facts)
    if subject is None:
        return Reply(kind, None, None)
    product_facts, variant = subject
    values = _product_values(kind, product_facts, text, variant)
    code = product_facts.product.code
    return Reply(kind, code, None if values is None else fill(wording, values))
