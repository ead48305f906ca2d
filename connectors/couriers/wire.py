"""Small readers shared by the adapters' webhook parsers: bodies, times, numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
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
    """GHTK posts form-urlencoded, its docs also show JSON: accept both."""
    if "json" in request.content_type:
        return json_body(request)
    try:
        return dict(storable(dict(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))))
    except UnicodeDecodeError as exc:
        raise MalformedWebhookError("body is not UTF-8") from exc


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
