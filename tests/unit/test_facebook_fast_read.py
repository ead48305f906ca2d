"""The common Facebook delivery read without the models gives the very Delivery the models give,
or leaves the body to them: on the wire samples, on hostile mutations of the real shape and on
each fixed hostile body. A body only the models can read is never read differently."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from aggregator.tools.bench.webhooks import deliveries
from connectors.errors import PayloadError
from connectors.facebook.webhook import Delivery, read_common, read_fully
from tests.support.hostile import dumps, facebook_sample, fixed_bodies, mutated, retyped

WIRE = Path(__file__).parents[1] / "fixtures" / "wire" / "facebook"


def comments_sample() -> dict[str, Any]:
    """The hostile sample without its Messenger events: the shape the common reading takes."""
    sample = facebook_sample()
    entry = sample["entry"][0]
    del entry["messaging"], entry["standby"]
    entry["changes"] = entry["changes"] * 2
    sample["entry"] = [entry, entry | {"id": "page2"}]
    return sample


FUZZ = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _full(body: bytes) -> Delivery | None:
    try:
        return read_fully(body)
    except PayloadError:
        return None


def _same_or_left(body: bytes) -> bool:
    """True when the common reading answered (and agreed), False when it left the body."""
    common = read_common(body)
    if common is None:
        return False
    assert common == _full(body)
    assert common.key == read_fully(body).key
    return True


@pytest.mark.parametrize("path", sorted(WIRE.glob("*.json")), ids=lambda p: p.stem)
def test_wire_samples_read_the_same(path: Path) -> None:
    answered = _same_or_left(path.read_bytes())
    # Comments named by `from` take the common reading; the old `sender_id` form is left.
    assert answered == (path.stem in ("feed_comment_add", "feed_comment_remove"))


def test_the_bench_delivery_and_the_comments_sample_take_the_common_reading() -> None:
    assert _same_or_left(deliveries(1, "c")[0].body)
    assert _same_or_left(dumps(comments_sample()))


def test_fixed_hostile_bodies_read_the_same_or_are_left() -> None:
    for body in fixed_bodies("facebook"):
        _same_or_left(body)


@FUZZ
@given(st.one_of(mutated(comments_sample()), retyped(comments_sample())).map(dumps))
def test_hostile_comment_bodies_read_the_same_or_are_left(body: bytes) -> None:
    _same_or_left(body)
