"""Scoring automatic answers against a labelled set of question comments. Pure.

A record names the question's kind and, when a careful person could answer it from the live's
data, the facts the answer must state (`answer`: a list of strings), else `answer: null`. An
automatic answer is correct when its kind is the labelled one, the record says it can be
answered, and every expected fact is in the text. The target is accuracy among the answered;
coverage says how many of the answerable got a correct answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aggregator.core.questions.compose import Facts, Offer, ProductFacts, answer
from aggregator.core.questions.kinds import QuestionKind
from aggregator.core.questions.mentions import Product
from aggregator.core.questions.regions import province_named


@dataclass(frozen=True, slots=True)
class Labelled:
    id: str
    text: str
    kind: QuestionKind
    expected: tuple[str, ...] | None  # None: no automatic answer is right


@dataclass(slots=True)
class Score:
    total: int = 0
    kind_right: int = 0
    answerable: int = 0
    answered: int = 0
    correct: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 1.0

    @property
    def coverage(self) -> float:
        return self.correct / self.answerable if self.answerable else 1.0

    @property
    def kind_accuracy(self) -> float:
        return self.kind_right / self.total if self.total else 1.0


def labelled(record: Mapping[str, Any]) -> Labelled:
    expected = record.get("answer")
    facts = None if expected is None else tuple(str(x) for x in expected)
    return Labelled(str(record["id"]), str(record["text"]), QuestionKind(record["kind"]), facts)


def facts_from_data(data: Mapping[str, Any]) -> Facts:
    """Facts from the evaluation fixture's JSON (tests/data/questions/live.json)."""
    products = []
    for p in data["products"]:
        offers = tuple(Offer(o["variant"], int(o["price"]), o["left"]) for o in p["offers"])
        variants = tuple(o.variant for o in offers if o.variant)
        product = Product(p["code"], p["name"], tuple(p.get("aliases", ())), variants)
        products.append(ProductFacts(
            product, offers, p.get("origin") or "", p.get("ocop_stars"),
            p.get("certificate_no") or "",
        ))  # fmt: skip
    coop = data.get("cooperative", {})
    return Facts(
        tuple(products), province_named(coop.get("province")),
        int(coop.get("shipping_fee_vnd", 0)), vietqr=bool(coop.get("vietqr")),
    )  # fmt: skip


def score(records: Iterable[Labelled], facts: Facts) -> Score:
    result = Score()
    for record in records:
        reply = answer(record.text, facts)
        result.total += 1
        result.kind_right += reply.kind is record.kind
        result.answerable += record.expected is not None
        if reply.text is None:
            if record.expected is not None:
                result.misses.append(f"{record.id} unanswered ({reply.kind}): {record.text}")
            continue
        result.answered += 1
        right = (
            record.expected is not None
            and reply.kind is record.kind
            and all(fact in reply.text for fact in record.expected)
        )
        result.correct += right
        if not right:
            result.misses.append(f"{record.id} WRONG ({reply.kind}): {record.text} -> {reply.text}")
    return result
