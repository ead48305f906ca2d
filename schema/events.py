"""Normalised events every connector hands to the ingest entry point."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from schema.enums import Platform
from schema.parsing import ParsedComment


def storable(value: Any) -> Any:
    """Postgres text and jsonb cannot hold NUL: a NUL in what a platform sent is dropped here,
    at every string of an event, rather than failing the whole batch it is written with."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v) for v in value]
    return value


Text = Annotated[str, BeforeValidator(storable)]
# The before-validator comes last so that it wraps the constrained string: NUL is dropped first,
# then the value is stripped and its length checked.
ExternalId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, strip_whitespace=True),
    BeforeValidator(storable),
]
MAX_COMMENT_CHARS = 8000


class CommentEvent(BaseModel):
    """A comment (or chat message) a viewer wrote, as any platform delivers it.

    `parsed` is set only when a person already knows what the comment means (staff typing an
    order by hand); otherwise the ingest pipeline parses `text` against the tenant's catalogue.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    platform: Platform
    channel_external_id: ExternalId
    external_id: ExternalId
    external_live_id: ExternalId | None = None
    author_external_id: ExternalId
    author_name: Annotated[Text, StringConstraints(max_length=200)] = ""
    text: Annotated[Text, StringConstraints(max_length=MAX_COMMENT_CHARS)]
    commented_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    parsed: ParsedComment | None = None

    @field_validator("commented_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class PlatformOrderItem(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: ExternalId
    qty: Annotated[int, Field(ge=1)]
    variant: Text | None = None
    unit_price_vnd: Annotated[int, Field(ge=0)] = 0


class PlatformOrderEvent(BaseModel):
    """An order the platform recorded itself (TikTok Shop): no parsing, same queue."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    platform: Platform
    channel_external_id: ExternalId
    external_order_id: ExternalId
    external_status: ExternalId
    buyer_external_id: ExternalId
    buyer_name: Text = ""
    items: list[PlatformOrderItem] = Field(default_factory=list)
    payload: Annotated[dict[str, Any], BeforeValidator(storable)] = Field(default_factory=dict)
    updated_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
