"""Models of the comment parser: what a livestream comment means, and the product catalog.

`ParsedComment` is the parser's output contract (one JSON line of `chotdon parse`);
`CatalogProduct` is one entry of the catalog file the parser is built from.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator, model_validator

PHONE_PATTERN = r"^0[35789]\d{8}$"
CODE_PATTERN = re.compile(r"^[A-Za-z]{0,3}[0-9]{1,4}$")

NonEmptyStr = Annotated[str, Field(min_length=1)]


class Intent(StrEnum):
    """What the viewer wants: buy, withdraw, ask, or nothing actionable."""

    ORDER = "order"
    CANCEL = "cancel"
    QUESTION = "question"
    OTHER = "other"


class ParsedItem(BaseModel):
    """One product line of an order or cancellation."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: NonEmptyStr
    qty: Annotated[StrictInt, Field(ge=1)] = 1
    variant: str | None = None


class ParsedComment(BaseModel):
    """The parser's reading of one comment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    intent: Intent
    items: list[ParsedItem] = Field(default_factory=list)
    phone: Annotated[str, Field(pattern=PHONE_PATTERN)] | None = None

    @model_validator(mode="after")
    def _items_only_for_orders(self) -> ParsedComment:
        if self.items and self.intent not in (Intent.ORDER, Intent.CANCEL):
            msg = f"items must be empty for intent {self.intent.value!r}"
            raise ValueError(msg)
        return self


class CatalogProduct(BaseModel):
    """One catalog entry: `{code, name, aliases, price, variants}`."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    code: str
    name: NonEmptyStr
    aliases: list[NonEmptyStr] = Field(default_factory=list)
    price: Annotated[StrictInt, Field(ge=0)]
    variants: list[NonEmptyStr] = Field(default_factory=list)

    @field_validator("code")
    @classmethod
    def _code_shape(cls, value: str) -> str:
        if not CODE_PATTERN.match(value):
            msg = "code must be letters then digits, such as 'A01' or '05'"
            raise ValueError(msg)
        return value.upper()

    @field_validator("variants")
    @classmethod
    def _unique_variants(cls, value: list[str]) -> list[str]:
        if len({v.lower() for v in value}) != len(value):
            msg = "variants must not repeat"
            raise ValueError(msg)
        return value
