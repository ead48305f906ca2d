"""A question of each kind about this live's own products, to show the director what buyers
will receive with the wording as it stands. Pure."""

from __future__ import annotations

from aggregator.core.questions.compose import Facts, ProductFacts, answer
from aggregator.core.questions.kinds import QuestionKind

_K = QuestionKind


def _first(facts: Facts, wanted: str) -> ProductFacts | None:
    for product in facts.products:
        if wanted == "offered" and any(o.left is not None for o in product.offers):
            return product
        if wanted == "variants" and any(o.variant for o in product.offers):
            return product
        if wanted == "origin" and (product.origin or product.ocop_stars):
            return product
    return None


def example_questions(facts: Facts) -> dict[QuestionKind, str]:
    """One plausible buyer question per kind, where the live has what it needs."""
    found: dict[QuestionKind, str] = {
        _K.SHIPPING: "ship về Hà Nội mấy ngày shop",
        _K.PAYMENT: "thanh toán thế nào vậy shop",
    }
    if offered := _first(facts, "offered"):
        found[_K.PRICE] = f"{offered.product.code} giá bao nhiêu ạ"
        found[_K.STOCK] = f"{offered.product.code} còn không ạ"
    if with_variants := _first(facts, "variants"):
        found[_K.VARIANTS] = f"{with_variants.product.code} có mấy loại ạ"
    if with_origin := _first(facts, "origin"):
        found[_K.ORIGIN] = f"{with_origin.product.code} có chứng nhận OCOP không ạ"
    return found


def examples(
    facts: Facts, wordings: dict[QuestionKind, str]
) -> dict[QuestionKind, tuple[str, str]]:
    """(question, answer) per kind, as chotdon would answer it now."""
    shown: dict[QuestionKind, tuple[str, str]] = {}
    for kind, question in example_questions(facts).items():
        reply = answer(question, facts, wordings)
        if reply.kind is kind and reply.text:
            shown[kind] = (question, reply.text)
    return shown
