"""The relay's wire format: a batch of comments from one channel, as a bridge posts it.

`RelayBatch.model_json_schema()` is published at GET /relay/schema.json. Keys the schema does not
name are ignored (a newer bridge may send more). A batch that is not JSON, or not shaped like the
schema, cannot be read (PayloadError); one that is shaped right but over a documented limit (no
comments, more than the cap, a text or name too long) raises OverLimit: the bridge is ours to fix,
so that one is refused.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import orjson
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from connectors.errors import PayloadError
from schema.enums import Platform
from schema.events import MAX_COMMENT_CHARS, CommentEvent, ExternalId

MAX_BATCH = 5000  # hard cap of the schema; the server's setting may be lower


class RelayComment(BaseModel):
    """One comment as the source showed it. `id` is unique per channel: re-posting it is a no-op."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: ExternalId = Field(description="The source's own comment id (deduplication key).")
    author_id: ExternalId = Field(description="The commenter's id at the source.")
    author_name: Annotated[str, StringConstraints(max_length=200)] = ""
    text: Annotated[str, StringConstraints(max_length=MAX_COMMENT_CHARS)]
    at: datetime | None = Field(default=None, description="When it was written (ISO 8601).")
    live_id: ExternalId | None = Field(
        default=None, description="The live it belongs to; omitted: the channel's live on air."
    )


class RelayBatch(BaseModel):
    """POST /relay/{channel}/comments body."""

    model_config = ConfigDict(
        extra="ignore", frozen=True, json_schema_extra={"title": "chotdon relay comment batch"}
    )

    comments: Annotated[list[RelayComment], Field(min_length=1, max_length=MAX_BATCH)]


# Pydantic's error types for a value of the right kind but past a documented length.
LIMIT_ERRORS = frozenset({"too_short", "too_long", "string_too_long"})


class OverLimit(PayloadError):
    """A readable batch past one of the schema's documented limits."""


def parse_batch(body: bytes) -> RelayBatch:
    try:
        return RelayBatch.model_validate(orjson.loads(body))
    except orjson.JSONDecodeError as exc:
        raise PayloadError(f"not a relay batch: {str(exc)[:500]}") from None
    except ValidationError as exc:
        over = all(error["type"] in LIMIT_ERRORS for error in exc.errors())
        kind = OverLimit if over else PayloadError
        raise kind(f"not a relay batch: {str(exc)[:500]}") from None


def comment_events(channel: str, batch: RelayBatch) -> list[CommentEvent]:
    """The normalised events; a comment without a live id joins the channel's live on air."""
    now = datetime.now(UTC)
    return [
        CommentEvent(
            platform=Platform.RELAY,
            channel_external_id=channel,
            external_id=c.id,
            external_live_id=c.live_id,
            author_external_id=c.author_id,
            author_name=c.author_name,
            text=c.text,
            commented_at=c.at or now,
        )
        for c in batch.comments
    ]
