"""The facts an automatic answer may state, read from Postgres once per live and run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson

from aggregator.core.prepay import money_rules
from aggregator.core.promotion import PromotionKind, promotion_of
from aggregator.core.questions.compose import Facts, Offer, ProductFacts
from aggregator.core.questions.kinds import ANSWERABLE, QuestionKind
from aggregator.core.questions.mentions import Product
from aggregator.core.questions.regions import delivery_days, province_named
from schema.queries import query


@dataclass(frozen=True, slots=True)
class LiveAnswers:
    """One live's facts and the director's choices for it."""

    session_id: int
    live_id: int
    tenant_id: int
    sandbox: bool
    facts: Facts
    wordings: Mapping[QuestionKind, str]
    enabled: frozenset[QuestionKind]


def _json(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def _product(row: Any) -> ProductFacts:
    offers = tuple(
        Offer(str(o["variant"]), int(o["price"]), o["left"]) for o in _json(row["offers"])
    ) or tuple(Offer(v, int(row["price_vnd"]), None) for v in (row["variants"] or [""]))
    variants = tuple(row["variants"] or ()) or tuple(o.variant for o in offers if o.variant)
    origin = ", ".join(x for x in (row["origin_name"], row["origin_province"]) if x)
    product = Product(row["code"], row["name"], tuple(row["aliases"] or ()), variants)
    return ProductFacts(product, offers, origin, row["ocop_stars"], row["certificate_no"] or "")


async def load_live_answers(pool: asyncpg.Pool, session_id: int) -> LiveAnswers | None:
    live = await pool.fetchrow(query("answer_live"), session_id)
    if live is None:
        return None
    tenant_id, settings = live["tenant_id"], _json(live["tenant_settings"]) or {}
    products = await pool.fetch(query("answer_products"), tenant_id, live["live_id"])
    promotion = promotion_of(_json(live["promotion"]))
    free_ship = (
        promotion.min_items if promotion and promotion.kind is PromotionKind.FREE_SHIP else None
    )
    facts = Facts(
        tuple(_product(p) for p in products), province_named(live["province"]),
        money_rules(settings).shipping_fee_vnd, delivery_days(settings), bool(live["vietqr"]),
        free_ship,
    )  # fmt: skip
    rows = await pool.fetch(
        query("answer_settings"), tenant_id, live["live_id"], [k.value for k in ANSWERABLE]
    )
    wordings = {QuestionKind(r["kind"]): r["wording"] for r in rows if r["wording"]}
    enabled = frozenset(QuestionKind(r["kind"]) for r in rows if r["enabled"])
    return LiveAnswers(
        session_id, live["live_id"], tenant_id, live["sandbox"], facts, wordings, enabled
    )
