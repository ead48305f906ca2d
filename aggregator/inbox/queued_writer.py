"""The life of a single writer task draining a queue, shared by the inbox's writers.

`async with` starts the task; leaving waits until every queued item has been handled, then stops
it. A subclass fills `_run` (take what has queued up, write it, resolve its callers' futures)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Generic, Self, TypeVar

Item = TypeVar("Item")


class QueuedWriter(Generic[Item]):
    def __init__(self, task_name: str) -> None:
        self._task_name = task_name
        self._queue: asyncio.Queue[Item] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        self._task = asyncio.create_task(self._run(), name=self._task_name)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self._queue.join()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        raise NotImplementedError
