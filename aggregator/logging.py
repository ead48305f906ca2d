"""structlog configuration: JSON lines with dotted event names, phone numbers and addresses masked.

Buyers' phone numbers and addresses must never reach a log file in clear: a leaked log would expose
exactly what chotdon exists to keep private.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import orjson
import structlog

# Vietnamese mobile numbers as people write them: 0912345678, 0912.345.678, +84 912 345 678, 84-912…
PHONE_PATTERN = re.compile(r"(?<!\d)(?:\(?\+?84\)?|0)[\s.\-]?[35789](?:[\s.\-]?\d){8}(?!\d)")
ADDRESS_KEYS = frozenset(
    {"address", "address_line", "recipient_address", "street", "to_address", "from_address"}
)
PHONE_KEYS = frozenset({"phone", "recipient_phone", "to_phone", "buyer_phone", "tel"})


def mask_phone_text(text: str) -> str:
    """Replace every phone number in free text by a masked form keeping the last two digits."""

    def _mask(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        return "*" * 8 + digits[-2:]

    return PHONE_PATTERN.sub(_mask, text)


def _mask_value(key: str, value: Any) -> Any:
    if key in ADDRESS_KEYS and value:
        return "***"
    if key in PHONE_KEYS and value:
        return mask_phone_text(str(value)) if PHONE_PATTERN.search(str(value)) else "***"
    if isinstance(value, str):
        return mask_phone_text(value)
    if isinstance(value, dict):
        return {k: _mask_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_value(key, v) for v in value]
    return value


def mask_personal_data(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: mask phones everywhere and addresses under address-like keys."""
    for key in list(event_dict):
        event_dict[key] = _mask_value(key, event_dict[key])
    return event_dict


def shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        mask_personal_data,
    ]


def configure_logging(level: str = "info", json: bool = True) -> None:
    """Configure structlog once per process (CLI entry)."""
    renderer: Any
    if json:
        renderer = structlog.processors.JSONRenderer(serializer=orjson.dumps)
        factory: Any = structlog.BytesLoggerFactory(file=sys.stderr.buffer)
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=False)
        factory = structlog.PrintLoggerFactory(file=sys.stderr)
    structlog.configure(
        processors=[*shared_processors(), renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=factory,
        cache_logger_on_first_use=True,
    )
