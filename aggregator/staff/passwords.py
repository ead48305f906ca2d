"""Password hashing off the event loop: a small pool of threads with a bounded wait.

argon2 takes ~50-150 ms of CPU per check. argon2-cffi releases the GIL while it works, so a few
threads keep it off the event loop: webhooks, buyer pages and /healthz go on while passwords are
checked. The pool takes at most `workers + queue` checks at once; past that a login is refused at
once (503 with Retry-After) instead of waiting behind an attacker's flood.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from aggregator.errors import ServiceUnavailableError

T = TypeVar("T")
HASHER = PasswordHasher()
RETRY_AFTER_S = 5
LOW_PRIORITY = 19  # nice value of the hashing threads (Linux sets it per thread)


class PasswordPoolBusyError(ServiceUnavailableError):
    """Every password worker is busy and the wait queue is full."""


def verify_password(stored: str, password: str) -> bool:
    try:
        return HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _lower_priority() -> None:
    """Run this worker thread (and the lane threads argon2 starts from it, which inherit it) at
    the lowest CPU priority: on a busy machine the event loop, Postgres and the webhooks come
    first, and logins wait for spare CPU instead of taking it from them."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: normal priority
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOW_PRIORITY)


class PasswordPool:
    def __init__(self, workers: int, queue: int) -> None:
        self._executor = ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="argon2", initializer=_lower_priority
        )
        self._capacity = workers + queue
        self._lock = threading.Lock()
        self._in_flight = 0  # submitted and not finished (queued or hashing)

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def has_room(self) -> bool:
        return self._in_flight < self._capacity

    def _finished(self, _future: Future[Any]) -> None:
        with self._lock:  # called on a worker thread, or here when cancelled before it ran
            self._in_flight -= 1

    def _submit(self, work: Callable[..., T], *args: str) -> asyncio.Future[T]:
        with self._lock:
            if self._in_flight >= self._capacity:
                raise PasswordPoolBusyError("password checks are all busy")
            self._in_flight += 1
        try:
            future = self._executor.submit(work, *args)
        except BaseException:
            self._finished(Future())
            raise
        future.add_done_callback(self._finished)
        return asyncio.wrap_future(future)

    async def verify(self, stored: str, password: str) -> bool:
        return await self._submit(verify_password, stored, password)

    async def hash(self, password: str) -> str:
        return await self._submit(HASHER.hash, password)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
