"""The web processes, the workers and the Facebook puller of a chaos run: real `chotdon serve`,
`chotdon worker` and `chotdon facebook-pull` children, killed with SIGKILL and started again.
Their output goes to log files, not to stdout (which carries the run's JSON).

With more than one web process they all listen on the run's one port with SO_REUSEPORT
(`chotdon serve --reuse-port`), as a deployment behind one address does: the senders know one
URL, and a killed web process leaves the others answering while it restarts. Workers share
nothing but Postgres and Redis, as on other hosts."""

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
LISTEN_TIMEOUT_S = 60.0
TCP_LISTEN = "0A"  # the LISTEN state in /proc/net/tcp


def _die_with_parent() -> None:  # in the child between fork and exec: no orphans if we die
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[len("socket:[") : -1])
    return inodes


def listening(pid: int, port: int) -> bool:
    """Whether process `pid` listens on `port` (Linux /proc): which of several processes sharing
    a port is up cannot be told by a request, which the kernel hands to any of them. aiohttp
    listens only once the application's start-up is done, so listening means ready."""
    inodes = _socket_inodes(pid)
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local, state, inode = fields[1], fields[3], fields[9]
                on_port = int(local.rsplit(":", 1)[1], 16) == port
                if state == TCP_LISTEN and on_port and inode in inodes:
                    return True
    return False


async def wait_until_listening(child: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + LISTEN_TIMEOUT_S
    while not listening(child.pid, port):
        if child.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"chaos web process {child.pid} did not come up; see its log")
        await asyncio.sleep(0.1)


class Fleet:
    def __init__(
        self, settings: Settings, extra_env: dict[str, str], log_dir: Path, workers: int,
        web: int = 1,
    ) -> None:  # fmt: skip
        self.settings = settings
        shared = {"CHOTDON_REUSE_PORT": "true"} if web > 1 else {}
        self.env = {**child_environment(settings), **extra_env, **shared}
        self.log_dir = log_dir
        self.webs: list[subprocess.Popen[bytes] | None] = [None] * web
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

    def _spawn_web(self, index: int) -> subprocess.Popen[bytes]:
        return self._spawn("serve", "web" if len(self.webs) == 1 else f"web-{index}")

    async def _web_up(self, child: subprocess.Popen[bytes]) -> None:
        if len(self.webs) > 1:
            await wait_until_listening(child, self.settings.port)
        await wait_until_healthy(self.settings.base_url, [child])

    async def start(self) -> None:
        self.webs = [self._spawn_web(i) for i in range(len(self.webs))]
        self.workers = [self._spawn("worker", f"worker-{i}") for i in range(len(self.workers))]
        self.puller = self._spawn("facebook-pull", "facebook-pull")
        for child in self.webs:
            assert child is not None
            await self._web_up(child)

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

    async def kill_web(self, index: int, down_s: float) -> None:
        """kill -9 web process `index` (the others, if any, keep answering on the shared port),
        then a new one in its place after down_s."""
        started = time.monotonic()
        await self._kill(self.webs[index])
        await asyncio.sleep(down_s)
        child = self.webs[index] = self._spawn_web(index)
        await self._web_up(child)
        self.restart_s.append(round(time.monotonic() - started, 2))

    def alive(self) -> bool:
        children = [*self.webs, *self.workers, self.puller]
        return all(child is not None and child.poll() is None for child in children)

    async def stop(self) -> None:
        children = [c for c in (*self.webs, *self.workers, self.puller) if c is not None]
        await asyncio.to_thread(stop_children, children)
        for log in self._logs:
            log.close()
