"""Several `chotdon serve --reuse-port` processes behind one address: both listen on the one port,
a kill -9 of one leaves the other answering every new connection, and the start refuses what
would make them differ (no shared app secret) or collide (a plain serve on a shared port)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from aggregator.tools.chaos.processes import listening, wait_until_listening
from tests.support.processes import REPO, chotdon, cli_env, free_port, run_cli

START_TIMEOUT_S = 120.0  # processes start slowly on a busy machine


def _env(
    database_url: str, redis_url: str, port: int, data_dir: Path, **extra: str
) -> dict[str, str]:
    return cli_env(
        DATABASE_URL=database_url, REDIS_URL=redis_url, CHOTDON_PORT=str(port),
        CHOTDON_DATA_DIR=str(data_dir), CHOTDON_LOG_LEVEL="warning", **extra,
    )  # fmt: skip


@pytest.fixture
def two_serves(
    database_url: str, redis_url: str, tmp_path: Path
) -> Iterator[tuple[int, list[subprocess.Popen[bytes]]]]:
    port = free_port()
    env = _env(database_url, redis_url, port, tmp_path, CHOTDON_APP_SECRET="s" * 40)
    children = [
        subprocess.Popen(chotdon("serve", "--reuse-port"), env=env, cwd=REPO,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(2)
    ]  # fmt: skip
    try:
        yield port, children
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def _healthy(port: int) -> bool:
    # a new connection each time: the kernel picks the listening process per connection
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
        return bool(response.status == 200)


@pytest.mark.timeout(300)
async def test_two_serves_share_one_port_and_one_answers_when_the_other_is_killed(
    two_serves: tuple[int, list[subprocess.Popen[bytes]]],
) -> None:
    port, children = two_serves
    for child in children:
        await asyncio.wait_for(wait_until_listening(child, port), START_TIMEOUT_S)
    assert all(listening(child.pid, port) for child in children)
    assert await asyncio.to_thread(_healthy, port)
    os.kill(children[0].pid, signal.SIGKILL)
    children[0].wait()
    answered = [await asyncio.to_thread(_healthy, port) for _ in range(20)]
    assert answered == [True] * 20
    assert not listening(children[0].pid, port) and listening(children[1].pid, port)


def test_reuse_port_without_a_shared_app_secret_is_refused(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    env = _env(database_url, redis_url, free_port(), tmp_path)
    env.pop("CHOTDON_APP_SECRET", None)
    started = time.monotonic()
    done = run_cli("serve", "--reuse-port", env=env, timeout=120)
    assert done.returncode == 1
    assert "CHOTDON_APP_SECRET" in done.stderr and time.monotonic() - started < 120


@pytest.mark.timeout(300)
async def test_a_plain_serve_on_a_shared_port_is_refused(
    two_serves: tuple[int, list[subprocess.Popen[bytes]]],
    database_url: str, redis_url: str, tmp_path: Path,
) -> None:  # fmt: skip
    port, children = two_serves
    await asyncio.wait_for(wait_until_listening(children[0], port), START_TIMEOUT_S)
    env = _env(database_url, redis_url, port, tmp_path / "other", CHOTDON_APP_SECRET="s" * 40)
    done = await asyncio.to_thread(run_cli, "serve", env=env, timeout=120)
    assert done.returncode == 1 and f"port {port}" in done.stderr
