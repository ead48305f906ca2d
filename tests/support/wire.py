"""The published wire bodies under tests/fixtures/wire/, and the shape (keys, at every depth) of a
body, so a simulator's output can be compared with what the platform documents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

WIRE = Path(__file__).resolve().parent.parent / "fixtures" / "wire"


def wire_body(platform: str, name: str) -> bytes:
    """The fixture's bytes exactly as stored (they are what gets signed and posted)."""
    return (WIRE / platform / f"{name}.json").read_bytes()


def wire_json(platform: str, name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = orjson.loads(wire_body(platform, name))
    return loaded


def shape(value: Any) -> Any:
    """The keys of every object, at every depth (a list by its first element); leaves are None."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return None
