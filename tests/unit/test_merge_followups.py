"""A merge round's follow-ups (buyer messages, questions) run beside the next round, one
round's after the other's, and the job waits for the last before it ends."""

from __future__ import annotations

import asyncio

import pytest

from workers.order_jobs import FollowUps


async def test_follow_ups_run_meanwhile_in_round_order_and_are_waited_for() -> None:
    done: list[str] = []
    first_may_end = asyncio.Event()

    async def first() -> None:
        await first_may_end.wait()
        done.append("first")

    async def second() -> None:
        done.append("second")

    followups = FollowUps()
    await followups.add(first())  # returns at once: the next round need not wait for it
    assert done == []
    adding = asyncio.create_task(followups.add(second()))
    await asyncio.sleep(0.01)
    assert not adding.done()  # the second round's wait for the first's
    first_may_end.set()
    await adding
    await followups.wait()
    assert done == ["first", "second"]


async def test_a_failed_follow_up_fails_the_job() -> None:
    async def failing() -> None:
        raise ConnectionError("Redis went away")

    followups = FollowUps()
    await followups.add(failing())
    with pytest.raises(ConnectionError):
        await followups.wait()
