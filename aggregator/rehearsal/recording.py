"""A recorded live: comments with their timing, from a JSON-lines file or from a stored session.

File format, one object per line:
    {"t": 12.5, "platform": "facebook", "author_id": "u1", "author_name": "Lan", "text": "chốt A01"}
`t` is seconds from the start of the live; `id` (optional) keeps a comment's identity across runs.
A line that cannot be read is reported by number and skipped; the rest plays.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import orjson
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from aggregator.runtime.db import Connection
from schema.enums import Platform
from schema.events import MAX_COMMENT_CHARS
from schema.queries import query


class RecordedComment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    t: Annotated[float, Field(ge=0)]
    platform: Platform = Platform.FACEBOOK
    author_id: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    author_name: Annotated[str, StringConstraints(max_length=200)] = ""
    text: Annotated[str, StringConstraints(max_length=MAX_COMMENT_CHARS)]
    id: str | None = None


@dataclass
class Recording:
    comments: list[RecordedComment] = field(default_factory=list)
    bad_lines: list[tuple[int, str]] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        return max((c.t for c in self.comments), default=0.0)


def _problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        return f"{'.'.join(str(p) for p in first['loc']) or 'line'}: {first['msg']}"
    return f"not JSON: {exc}"


def read_recording(lines: Iterable[str]) -> Recording:
    recording = Recording()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            recording.comments.append(RecordedComment.model_validate(orjson.loads(line)))
        except (orjson.JSONDecodeError, ValidationError) as exc:
            recording.bad_lines.append((number, _problem(exc)))
    recording.comments.sort(key=lambda c: c.t)
    return recording


def load_recording_file(path: Path) -> Recording:
    with path.open(encoding="utf-8", errors="replace") as stream:
        return read_recording(stream)


async def load_recorded_session(conn: Connection, session_id: int) -> Recording:
    """The comments chotdon stored for a past live, with their timing."""
    rows = await conn.fetch(query("session_recording"), session_id)
    if not rows:
        return Recording()
    start = rows[0]["commented_at"]
    return Recording(
        comments=[
            RecordedComment(
                t=(r["commented_at"] - start).total_seconds(),
                platform=Platform(r["platform"]),
                author_id=r["author_external_id"],
                author_name=r["author_name"],
                text=r["body"],
                id=r["external_id"],
            )
            for r in rows
        ]
    )
