"""The life of the writer tasks draining a queue, shared by the inbox's writers.

`async with` starts the tasks (one unless the subclass asks for more); leaving waits until every
queued item has been handled, then stops them. A subclass fills `_run` (take what has queued up,
write it, resolve its callers' futures)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Generic, Self, TypeVar

Item = TypeVar("Item")


class QueuedWriter(Generic[Item]):
    def __init__(self, task_name: str, tasks: int = 1) -> None:
        self._task_name, self._task_count = task_name, tasks
        self._queue: asyncio.Queue[Item] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> Self:
        self._tasks = [
            asyncio.create_task(self._run(), name=f"{self._task_name}-{n}")
            for n in range(self._task_count)
        ]
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self._queue.join()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        raise NotImplementedError
