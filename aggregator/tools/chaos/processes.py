"""The web process, the workers and the Facebook puller of a chaos run: real `chotdon serve`,
`chotdon worker` and `chotdon facebook-pull` children, killed with SIGKILL and started again.
Their output goes to log files, not to stdout (which carries the run's JSON)."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

from aggregator.settings import Settings
from aggregator.tools.demo.supervisor import child_environment, stop_children, wait_until_healthy

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # in the child between fork and exec: no orphans if we die
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class Fleet:
    def __init__(self, settings: Settings, extra_env: dict[str, str], log_dir: Path, workers: int):
        self.settings = settings
        self.env = {**child_environment(settings), **extra_env}
        self.log_dir = log_dir
        self.web: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes] | None] = [None] * workers
        self.puller: subprocess.Popen[bytes] | None = None
        self._logs: list[IO[bytes]] = []
        self.restart_s: list[float] = []  # web: kill to healthy again

    def _spawn(self, command: str, name: str) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"{name}.log").open("ab")
        self._logs.append(log)
        return subprocess.Popen(
            [sys.executable, "-m", "aggregator", command], env=self.env, stdout=log, stderr=log,
            start_new_session=True, preexec_fn=_die_with_parent,
        )  # fmt: skip

    async def start(self) -> None:
        self.web = self._spawn("serve", "web")
        self.workers = [self._spawn("worker", f"worker-{i}") for i in range(len(self.workers))]
        self.puller = self._spawn("facebook-pull", "facebook-pull")
        await wait_until_healthy(self.settings.base_url, [self.web])

    @staticmethod
    async def _kill(child: subprocess.Popen[bytes] | None) -> None:
        if child is not None and child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
            await asyncio.to_thread(child.wait)

    async def kill_worker(self, index: int) -> None:
        """kill -9, then a new worker in its place (as a supervisor would restart it)."""
        await self._kill(self.workers[index])
        self.workers[index] = self._spawn("worker", f"worker-{index}")

    async def kill_puller(self, down_s: float) -> None:
        """kill -9 `chotdon facebook-pull` with whatever its queue holds; a new one after down_s
        (the fake live keeps commenting meanwhile)."""
        await self._kill(self.puller)
        await asyncio.sleep(down_s)
        self.puller = self._spawn("facebook-pull", "facebook-pull")

    async def kill_web(self, down_s: float) -> None:
        started = time.monotonic()
        await self._kill(self.web)
        await asyncio.sleep(down_s)
        self.web = self._spawn("serve", "web")
        await wait_until_healthy(self.settings.base_url, [self.web])
        self.restart_s.append(round(time.monotonic() - started, 2))

    def alive(self) -> bool:
        children = [self.web, *self.workers, self.puller]
        return all(child is not None and child.poll() is None for child in children)

    async def stop(self) -> None:
        children = [c for c in (self.web, *self.workers, self.puller) if c is not None]
        await asyncio.to_thread(stop_children, children)
        for log in self._logs:
            log.close()
