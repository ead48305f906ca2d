"""Graph API objects chotdon reads: live videos and comments, as Facebook writes them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from schema.enums import Platform
from schema.events import MAX_COMMENT_CHARS, CommentEvent

GRAPH_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"  # 2025-05-01T10:00:00+0000


def graph_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime(GRAPH_TIME_FORMAT)


def parse_graph_time(value: Any) -> Any:
    if isinstance(value, str):
        return datetime.strptime(value, GRAPH_TIME_FORMAT)
    return value


class _Graph(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class GraphUser(_Graph):
    id: str = Field(min_length=1)
    name: str = ""


class GraphComment(_Graph):
    id: str = Field(min_length=1)
    message: str = ""
    sender: GraphUser | None = Field(default=None, alias="from")
    created_time: datetime

    _time = field_validator("created_time", mode="before")(parse_graph_time)

    def event(self, page_id: str, live_id: str) -> CommentEvent:
        # Without pages_read_user_content Graph omits `from`; the comment is still kept.
        author = self.sender or GraphUser(id=f"anonymous:{self.id}")
        return CommentEvent(
            platform=Platform.FACEBOOK,
            channel_external_id=page_id,
            external_id=self.id,
            external_live_id=live_id,
            author_external_id=author.id,
            author_name=author.name[:200],
            text=self.message[:MAX_COMMENT_CHARS],
            commented_at=self.created_time,
        )


class GraphVideo(_Graph):
    id: str


class LiveVideo(_Graph):
    id: str = Field(min_length=1)
    status: str
    title: str = ""
    creation_time: datetime | None = None
    video: GraphVideo | None = None

    _time = field_validator("creation_time", mode="before")(parse_graph_time)


class CommentsPage(_Graph):
    data: list[GraphComment]
    after: str | None = None  # the cursor of the next page, when there is one
