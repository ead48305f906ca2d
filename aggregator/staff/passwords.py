"""Password hashing off the event loop: a small pool of threads with a bounded wait.

argon2 takes ~50-150 ms of CPU per check. argon2-cffi releases the GIL while it works, so a few
threads keep it off the event loop: webhooks, buyer pages and /healthz go on while passwords are
checked. The pool takes at most `workers + queue` checks at once; past that a login is refused at
once (503 with Retry-After) instead of waiting behind an attacker's flood. Tries from a trusted
device have a lane of their own, which that flood cannot fill.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import secrets
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
TRUSTED_WORKERS, TRUSTED_QUEUE = 1, 4


class PasswordPoolBusyError(ServiceUnavailableError):
    """Every password worker is busy and the wait queue is full."""


@functools.cache
def dummy_hash() -> str:
    """What a password is checked against when no account has the login, so that an unknown login
    costs what a known one does. Made on a hashing thread when the pool starts, not at import:
    argon2 takes ~0.3 s, which every CLI command and process start used to pay twice."""
    return HASHER.hash(secrets.token_urlsafe(32))  # of nothing anyone can type


def verify_password(stored: str | None, password: str) -> bool:
    """`stored` None: no such account; the check runs anyway (and fails)."""
    try:
        return HASHER.verify(stored if stored is not None else dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False


def _lower_priority() -> None:
    """Run this worker thread (and the lane threads argon2 starts from it, which inherit it) at
    the lowest CPU priority: on a busy machine the event loop, Postgres and the webhooks come
    first, and logins wait for spare CPU instead of taking it from them."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: normal priority
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOW_PRIORITY)


class _Lane:
    """Threads with a bounded number of checks submitted and not finished."""

    def __init__(self, name: str, workers: int, queue: int) -> None:
        self._executor = ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix=name, initializer=_lower_priority
        )
        self._capacity = workers + queue
        self._lock = threading.Lock()
        self.in_flight = 0  # queued or hashing

    def has_room(self) -> bool:
        return self.in_flight < self._capacity

    def _finished(self, _future: Future[Any]) -> None:
        with self._lock:  # called on a worker thread, or here when cancelled before it ran
            self.in_flight -= 1

    def submit(self, work: Callable[..., T], *args: str | None) -> asyncio.Future[T]:
        with self._lock:
            if self.in_flight >= self._capacity:
                raise PasswordPoolBusyError("password checks are all busy")
            self.in_flight += 1
        try:
            future = self._executor.submit(work, *args)
        except BaseException:
            self._finished(Future())
            raise
        future.add_done_callback(self._finished)
        return asyncio.wrap_future(future)

    def prepare(self, work: Callable[[], Any]) -> None:
        """Run `work` on a lane thread now, outside the count: a cache the checks will need."""
        self._executor.submit(work)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


class PasswordPool:
    """Two lanes: everyone's, and one of its own for tries from a trusted device, so that a
    flood filling everyone's lane never keeps the director waiting or answered 503."""

    def __init__(self, workers: int, queue: int) -> None:
        self._general = _Lane("argon2", workers, queue)
        self._trusted = _Lane("argon2-trusted", TRUSTED_WORKERS, TRUSTED_QUEUE)
        self._general.prepare(dummy_hash)

    def _lane(self, trusted: bool) -> _Lane:
        return self._trusted if trusted else self._general

    @property
    def in_flight(self) -> int:
        return self._general.in_flight + self._trusted.in_flight

    def has_room(self, trusted: bool = False) -> bool:
        return self._lane(trusted).has_room()

    async def verify(self, stored: str | None, password: str, trusted: bool = False) -> bool:
        return await self._lane(trusted).submit(verify_password, stored, password)

    async def hash(self, password: str, trusted: bool = False) -> str:
        return await self._lane(trusted).submit(HASHER.hash, password)

    def close(self) -> None:
        self._general.close()
        self._trusted.close()
