"""Lighthouse's performance score of a staff page on a phone, when Lighthouse is installed.

Lighthouse is not a dependency of chotdon: `npm install lighthouse` outside the repository puts a
`lighthouse` command on PATH (or name it with `chotdon bench dashboard --lighthouse PATH`), and
Debian's `chromium` is the browser it drives. Without either the score is "not measured".
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
from pathlib import Path

import structlog

from aggregator.web.staff_auth import SESSION_COOKIE

log = structlog.get_logger()
TIMEOUT_S = 180.0


def lighthouse_command(explicit: str | None = None) -> tuple[str, str] | None:
    """(lighthouse, chromium) executables, or None when either is missing."""
    lighthouse = explicit or shutil.which("lighthouse")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if lighthouse is None or chromium is None or not Path(lighthouse).exists():
        return None
    return lighthouse, chromium


async def lighthouse_score(url: str, cookie: str, explicit: str | None = None) -> int | None:
    """Lighthouse's mobile performance score (0-100) of `url` as the staff session `cookie`."""
    found = lighthouse_command(explicit)
    if found is None:
        return None
    lighthouse, chromium = found
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        process = await asyncio.create_subprocess_exec(
            lighthouse, url, "--only-categories=performance", "--output=json",
            f"--output-path={report}", "--quiet",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
            f"--extra-headers={json.dumps({'Cookie': f'{SESSION_COOKIE}={cookie}'})}",
            env=os.environ | {"CHROME_PATH": chromium},
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            _, err = await asyncio.wait_for(process.communicate(), TIMEOUT_S)
        except TimeoutError:
            process.kill()
            await process.wait()
            log.warning("bench.lighthouse_timeout")
            return None
        if process.returncode != 0 or not report.exists():
            log.warning("bench.lighthouse_failed", stderr=err.decode(errors="replace")[-500:])
            return None
        score = json.loads(report.read_bytes())["categories"]["performance"]["score"]
    return None if score is None else round(float(score) * 100)
