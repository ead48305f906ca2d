"""`chotdon demo`: embedded services, migrations, the web app and a worker as child processes.

The children run the same `chotdon serve` / `chotdon worker` commands production runs. They live in
their own sessions so Ctrl-C reaches only this supervisor, which then stops them in order (web,
worker) before the embedded Postgres and Redis; Linux also kills them if the supervisor dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import structlog
from rich.console import Console

from aggregator.errors import ServiceUnavailableError
from aggregator.runtime.db import create_pool
from aggregator.runtime.migrations import migrate_database
from aggregator.runtime.queue import create_arq_pool, queue_names
from aggregator.settings import Settings
from aggregator.tools.demo.couriers import demo_couriers
from aggregator.tools.demo.demo_live import DemoLiveOptions, DemoRun, OnAir
from aggregator.tools.demo.exclusive import demo_database_held
from aggregator.tools.demo.logins import demo_host, demo_logins, format_logins
from aggregator.tools.demo.platforms import demo_platforms
from aggregator.web.staff_auth import LOGIN_PATH

log = structlog.get_logger()
PR_SET_PDEATHSIG = 1
STARTUP_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0
# The web app and worker log warnings only, so their lines do not bury the demo's own display;
# CHOTDON_LOG_LEVEL set in the environment wins.
CHILD_LOG_LEVEL = "warning"


def _die_with_parent() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def child_environment(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=settings.database_url or "",
        REDIS_URL=settings.redis_url or "",
        CHOTDON_HOST=settings.host,
        CHOTDON_PORT=str(settings.port),
        CHOTDON_DATA_DIR=str(settings.data_dir),
        CHOTDON_LOG_LEVEL=os.environ.get("CHOTDON_LOG_LEVEL", CHILD_LOG_LEVEL),
        CHOTDON_ARQ_QUEUE=settings.arq_queue,
        CHOTDON_ARQ_OUTBOUND_QUEUE=queue_names(settings).outbound,
        CHOTDON_CONFIRM_WINDOW_S=str(settings.confirm_window_s),
    )
    if settings.app_secret is not None:
        env["CHOTDON_APP_SECRET"] = settings.app_secret.get_secret_value()
    return env


def spawn(
    command: str, settings: Settings, extra_env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "aggregator", command],
        env={**child_environment(settings), **(extra_env or {})},
        start_new_session=True,
        preexec_fn=_die_with_parent,
    )


def stop_children(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


async def wait_until_healthy(url: str, children: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if any(child.poll() is not None for child in children):
                raise ServiceUnavailableError("a demo process exited during start-up; see its log")
            with contextlib.suppress(aiohttp.ClientError, OSError):
                async with http.get(f"{url}/healthz") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.2)
    raise ServiceUnavailableError(f"the web app did not answer at {url}/healthz in time")


async def prove_worker(url: str) -> None:
    """Enqueue a heartbeat through the web app and wait until the worker has written it."""
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{url}/api/heartbeats") as response:
            job_id = (await response.json())["job_id"]
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            async with http.get(f"{url}/api/heartbeats/{job_id}") as response:
                if response.status == 200:
                    return
            await asyncio.sleep(0.2)
    raise ServiceUnavailableError("the worker did not run the heartbeat job in time")


@dataclass
class DemoOptions:
    duration_s: float | None = None
    live: DemoLiveOptions | None = field(default_factory=DemoLiveOptions)
    report_path: Path | None = None


@contextlib.asynccontextmanager
async def running_processes(
    settings: Settings, commands: Sequence[str], extra_env: Mapping[str, str] | None = None
) -> AsyncIterator[list[subprocess.Popen[bytes]]]:
    """The same, for async callers: stopping waits in a thread, not on the event loop."""
    children = [spawn(command, settings, extra_env) for command in commands]
    try:
        yield children
    finally:
        await asyncio.to_thread(stop_children, children)


def _write_report(figures: dict[str, Any], path: Path | None) -> None:
    if path is not None:
        path.write_bytes(orjson.dumps(figures, option=orjson.OPT_INDENT_2))
        print(f"report written to {path}", flush=True)


def _raise_on_sigterm(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


async def _watch(children: list[subprocess.Popen[bytes]], duration_s: float | None) -> None:
    started = time.monotonic()
    while duration_s is None or time.monotonic() - started < duration_s:
        if any(child.poll() is not None for child in children):
            raise ServiceUnavailableError("a demo process exited unexpectedly")
        await asyncio.sleep(0.2)


def run_demo(settings: Settings, options: DemoOptions) -> None:
    """Start everything, print the URL, run until Ctrl-C (or the duration), stop everything."""
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    # A shell may start us with SIGINT ignored (background job); Ctrl-C must still stop the demo.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_demo(settings, options))
    log.info("demo.stopped")


async def _demo(settings: Settings, options: DemoOptions) -> None:
    assert settings.database_url is not None  # resolved before the demo starts
    async with demo_database_held(settings.database_url):  # before anything is written
        await migrate_database(settings)
        await _demo_running(settings, options)


async def _demo_running(settings: Settings, options: DemoOptions) -> None:
    async with (
        demo_couriers() as couriers,
        demo_platforms() as platforms,
        running_processes(
            settings, ("serve", "worker"), couriers.environment() | platforms.environment()
        ) as children,
    ):
        await wait_until_healthy(settings.base_url, children)
        await prove_worker(settings.base_url)
        couriers.point_webhooks(settings.base_url)
        if options.live is None:
            # The first address printed is where a person starts: the staff login, not /healthz.
            print(f"chotdon is running: {settings.base_url}{LOGIN_PATH}  (Ctrl-C to stop)")
            await _watch(children, options.duration_s)
            return
        pool = await create_pool(settings)
        arq = await create_arq_pool(settings)
        on_air = OnAir(settings.base_url, platforms, settings)
        run = DemoRun(pool, arq, options.live, Console(), couriers, on_air)
        try:
            await run.start()
            # The login page with the logins beside it, before anything else scrolls by.
            accounts, host = await demo_logins(pool), await demo_host(pool)
            print(format_logins(settings.base_url, accounts, host), flush=True)
            await _live_and_watch(run, children, options)
        finally:
            _write_report(await run.stop(), options.report_path)
            await arq.aclose()
            await pool.close()


async def _live_and_watch(
    run: DemoRun, children: list[subprocess.Popen[bytes]], options: DemoOptions
) -> None:
    """A live of a set length, then the pieces kept up until the duration (or Ctrl-C); a live
    until stopped runs beside the watch and ends with it."""
    started = time.monotonic()
    assert options.live is not None
    if not options.live.until_stopped:
        await run.play()
        left = None if options.duration_s is None else options.duration_s
        await _watch(
            children, None if left is None else max(0.0, left - (time.monotonic() - started))
        )
        return
    playing = asyncio.create_task(run.play())
    watching = asyncio.create_task(_watch(children, options.duration_s))
    try:
        done, _ = await asyncio.wait({playing, watching}, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()  # a demo process that died, or the live failing, is said
    finally:
        for task in (playing, watching):
            task.cancel()
        await asyncio.gather(playing, watching, return_exceptions=True)
