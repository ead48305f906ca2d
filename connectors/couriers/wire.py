"""Small readers shared by the adapters' webhook parsers: bodies, times, numbers."""

from __future__ import annotations

import email.errors
import re
from datetime import UTC, datetime, timedelta, timezone
from email import policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qsl

import orjson

from connectors.couriers.errors import MalformedWebhookError
from connectors.couriers.port import WebhookRequest
from schema.events import storable  # Postgres text and jsonb hold no NUL

ICT = timezone(timedelta(hours=7))  # Vietnam; couriers' local times carry no zone


def json_body(request: WebhookRequest) -> dict[str, Any]:
    try:
        body = orjson.loads(request.body)
    except orjson.JSONDecodeError as exc:
        raise MalformedWebhookError("body is not JSON") from exc
    if not isinstance(body, dict):
        raise MalformedWebhookError("body is not a JSON object")
    return dict(storable(body))


def form_or_json_body(request: WebhookRequest) -> dict[str, Any]:
    """GHTK posts form-urlencoded; its docs also show the same fields as JSON, and its PHP sample
    posts them as an array, which PHP's curl sends as multipart/form-data: accept all three."""
    content_type = request.headers.get("content-type", request.content_type)
    if "json" in request.content_type or request.body.lstrip().startswith(b"{"):
        return json_body(request)
    if "multipart/form-data" in content_type.lower():
        return multipart_body(request.body, content_type)
    try:
        return dict(storable(dict(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))))
    except UnicodeDecodeError as exc:
        raise MalformedWebhookError("body is not UTF-8") from exc


def multipart_body(body: bytes, content_type: str) -> dict[str, Any]:
    """The named text fields of a multipart/form-data body (its boundary is in the header)."""
    try:
        head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1")
        message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
        if not message.is_multipart():
            raise MalformedWebhookError("multipart body without parts")
        fields: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if isinstance(name, str) and isinstance(payload, bytes):
                fields[name] = payload.decode("utf-8")
    except (UnicodeError, ValueError, LookupError, email.errors.MessageError) as exc:
        raise MalformedWebhookError(f"bad multipart body: {exc}"[:200]) from exc
    if not fields:
        raise MalformedWebhookError("multipart body without fields")
    return dict(storable(fields))


# GHTK's docs post `action_time=2016-11-02T12:18:39+07:00` with the "+" unencoded, and form
# decoding reads a bare "+" as a space: a space where the offset's sign belongs can only be that.
_LOST_PLUS = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})")


def form_time(value: str) -> str:
    """An ISO time read from a form, with the "+" of its offset given back."""
    lost = _LOST_PLUS.fullmatch(value.strip())
    return f"{lost[1]}+{lost[2]}" if lost else value


def required(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if value is None or value == "":
        raise MalformedWebhookError(f"{key} is missing")
    return str(value)


def iso_time(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise MalformedWebhookError(f"bad time {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ICT)


def vn_time(value: str) -> datetime:
    """Viettel Post's "dd/MM/yyyy HH:mm:ss", local time."""
    try:
        return datetime.strptime(value, "%d/%m/%Y %H:%M:%S").replace(tzinfo=ICT)
    except ValueError as exc:
        raise MalformedWebhookError(f"bad time {value!r}") from exc


MAX_VND = 10**12


def money(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        amount = int(float(value))
    except (TypeError, ValueError, OverflowError) as exc:
        raise MalformedWebhookError(f"bad amount {str(value)[:40]!r}") from exc
    if not 0 <= amount <= MAX_VND:  # a bigint column, and no parcel is worth more
        raise MalformedWebhookError(f"amount {amount} out of range")
    return amount


def utc_now() -> datetime:
    return datetime.now(UTC)
