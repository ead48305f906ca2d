"""Import comments or staff-typed orders from CSV. Bad rows are reported by line and skipped.

comments: platform, channel, live, comment_id, author_id, author_name, text, commented_at
orders:   platform, channel, live, entry_id, buyer_id, buyer_name, phone, code, qty, variant

The header row names the columns (any order; extra columns are ignored). Line numbers count the
header as line 1, as a spreadsheet shows them.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TextIO

from pydantic import ValidationError

from aggregator.core.parser.phone import normalize_phone
from aggregator.errors import BadInputError
from aggregator.ingest.manual import manual_order_event
from schema.enums import Platform
from schema.events import CommentEvent
from schema.parsing import ParsedItem


class CsvKind(StrEnum):
    COMMENTS = "comments"
    ORDERS = "orders"


REQUIRED = {
    CsvKind.COMMENTS: ("platform", "channel", "comment_id", "author_id", "text"),
    CsvKind.ORDERS: ("platform", "channel", "entry_id", "buyer_id", "code"),
}


@dataclass(frozen=True, slots=True)
class BadRow:
    line: int
    error: str


@dataclass
class CsvReading:
    events: list[CommentEvent] = field(default_factory=list)
    bad_rows: list[BadRow] = field(default_factory=list)


class CsvFormatError(BadInputError, ValueError):
    """The file as a whole cannot be read (no header, missing columns)."""


# Event fields as the CSV calls them, so an error names the column the user sees.
_COLUMN_OF_FIELD = {
    "channel_external_id": "channel",
    "external_id": "comment_id",
    "external_live_id": "live",
    "author_external_id": "author_id",
    "author_name": "author_name",
}


def _platform(value: str) -> Platform:
    try:
        return Platform(value.strip().lower())
    except ValueError:
        known = ", ".join(p.value for p in Platform)
        raise ValueError(f"platform: {value!r} is not one of {known}") from None


def _blank_to_none(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def _comment(row: dict[str, str]) -> CommentEvent:
    data: dict[str, object] = {
        "platform": _platform(row["platform"]),
        "channel_external_id": row["channel"],
        "external_id": row["comment_id"],
        "external_live_id": _blank_to_none(row.get("live")),
        "author_external_id": row["author_id"],
        "author_name": row.get("author_name") or "",
        "text": row["text"],
    }
    if _blank_to_none(row.get("commented_at")):
        data["commented_at"] = row["commented_at"].strip()
    return CommentEvent.model_validate(data)


def _order(row: dict[str, str]) -> CommentEvent:
    phone_text = _blank_to_none(row.get("phone"))
    phone = normalize_phone(phone_text) if phone_text else None
    if phone_text and phone is None:
        raise ValueError(f"phone {phone_text!r} is not a Vietnamese mobile number")
    qty_text = _blank_to_none(row.get("qty")) or "1"
    if not qty_text.isdecimal() or int(qty_text) < 1:
        raise ValueError(f"qty {qty_text!r} must be a whole number of at least 1")
    item = ParsedItem(
        code=row["code"].strip().upper(),
        qty=int(qty_text),
        variant=_blank_to_none(row.get("variant")),
    )
    return manual_order_event(
        platform=_platform(row["platform"]),
        channel_external_id=row["channel"].strip(),
        external_live_id=_blank_to_none(row.get("live")),
        buyer_key=row["buyer_id"].strip(),
        buyer_name=row.get("buyer_name") or "",
        items=[item],
        phone=phone,
        entry_id=row["entry_id"].strip(),
    )


def _describe(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(_COLUMN_OF_FIELD.get(str(p), str(p)) for p in first["loc"]) or "row"
        return f"{where}: {first['msg']}"
    return str(exc)


def _rows(stream: TextIO, kind: CsvKind) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(stream)
    if reader.fieldnames is None:
        raise CsvFormatError("the file is empty: expected a header row")
    missing = [c for c in REQUIRED[kind] if c not in reader.fieldnames]
    if missing:
        raise CsvFormatError(f"missing column(s) for {kind.value}: {', '.join(missing)}")
    for row in reader:
        yield reader.line_num, row


def read_csv(stream: TextIO, kind: CsvKind) -> CsvReading:
    """Every good row becomes an event, every bad one a (line, reason): nothing vanishes."""
    build = _comment if kind is CsvKind.COMMENTS else _order
    reading = CsvReading()
    for line, row in _rows(stream, kind):
        if None in row:  # more cells than header columns: a shifted row
            reading.bad_rows.append(BadRow(line, "more cells than the header has columns"))
            continue
        try:
            reading.events.append(build(row))
        except (ValidationError, ValueError, KeyError, AttributeError) as exc:
            reading.bad_rows.append(BadRow(line, _describe(exc)))
    return reading


def format_bad_rows(bad_rows: Iterable[BadRow]) -> list[str]:
    return [f"line {b.line}: {b.error}" for b in bad_rows]
