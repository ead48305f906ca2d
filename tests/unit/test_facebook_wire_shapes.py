"""The fake Facebook sends what the real one sends: each delivery the simulator builds has the key
structure (keys, nesting and JSON types) of the real sample in tests/fixtures/wire/facebook/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from connectors.simulators import facebook_webhooks as sim

WIRE = Path(__file__).parents[1] / "fixtures" / "wire" / "facebook"
PAGE, VIDEO, BUYER = "1234567890321", "901097836652708", "1914154345481707"
NOW_MS = 1_765_000_000_000


def shape(value: Any) -> Any:
    """Keys and JSON types, not values: {"id": "str", "time": "int", "entry": [{…}]}."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    return type(value).__name__


def sample(name: str) -> Any:
    return shape(orjson.loads((WIRE / name).read_bytes()))


def comment(verb: str = "add") -> dict[str, Any]:
    return sim.feed_comment(
        PAGE, VIDEO, f"{VIDEO}_1", author_id=BUYER, author_name="Lan", message="chốt A01 x2",
        created_time=NOW_MS // 1000, verb=verb,
    )  # fmt: skip


BUILT = {
    "feed_comment_add.json": lambda: sim.page_delivery(PAGE, [comment()], NOW_MS),
    # The only published whole edit predates Graph v2.11 (sender_id); an edit today is an add's
    # shape with verb "edited" (README of the fixtures).
    "feed_comment_add.json (edited)": lambda: sim.page_delivery(PAGE, [comment("edited")], NOW_MS),
    "feed_comment_remove.json": lambda: sim.page_delivery(
        PAGE,
        [sim.comment_removed(PAGE, VIDEO, f"{VIDEO}_1", author_id=BUYER, author_name="Lan")],
        NOW_MS,
    ),
    "live_videos_live_stopped.json": lambda: sim.page_delivery(
        PAGE, [sim.live_status(VIDEO, "live_stopped")], NOW_MS
    ),
    "messenger_message_hop_context.json": lambda: sim.messenger_message(
        PAGE, "5794982867201265", "m_1", "chốt A01", NOW_MS
    ),
}


@pytest.mark.parametrize("name", sorted(BUILT))
def test_a_simulated_delivery_has_the_real_samples_structure(name: str) -> None:
    built = shape(orjson.loads(BUILT[name]()))
    assert built == sample(name.split(" ")[0])


def test_feed_entry_times_are_seconds_and_messenger_times_milliseconds() -> None:
    feed = orjson.loads(sim.page_delivery(PAGE, [comment()], NOW_MS))
    chat = orjson.loads(sim.messenger_message(PAGE, "p", "m_1", "ok", NOW_MS))
    assert feed["entry"][0]["time"] == NOW_MS // 1000
    assert chat["entry"][0]["time"] == NOW_MS
