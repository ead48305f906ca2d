"""Debian's chromium driven by Playwright at a phone's viewport, for the browser tests.

Playwright cannot download its own browsers here: it launches the system chromium through
`executable_path` (.ci/run installs it when missing; without one the browser tests skip).
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.staff import PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 360, "height": 740}
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]  # fmt: skip


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    if found is None:
        pytest.skip("no chromium on this machine (apt-get install chromium; .ci/run does it)")
    return found


@asynccontextmanager
async def phone_page(playwright_api: Any, **options: Any) -> AsyncIterator[Any]:
    """A fresh page in a phone-sized, Vietnamese-locale browser context (`options`: more
    options of the context, e.g. bypass_csp=True to inject axe-core)."""
    executable = chromium()
    async with playwright_api.async_playwright() as driver:
        browser = await driver.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        context = await browser.new_context(
            viewport=PHONE, locale="vi-VN", is_mobile=True, **options
        )
        try:
            yield await context.new_page()
        finally:
            await context.close()
            await browser.close()


async def log_in(page: Any, base: str, login: str, password: str = PASSWORD) -> None:
    """Sign in through the login form, as staff do, and wait for the page it leads to."""
    await page.goto(f"{base}/dang-nhap")
    await page.fill("#login", login)
    await page.fill("#password", password)
    async with page.expect_navigation():
        await page.click("#submit")


async def open_menu(page: Any) -> None:
    """On a phone the staff links fold under "☰ Menu" (staff_base.html): open it."""
    if await page.is_visible("#menu-button"):
        await page.click("#menu-button")


async def shot(page: Any, name: str) -> None:
    """Keep a screenshot of this step under test-artifacts/ to look at after the run."""
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


# The elements whose right edge passes the screen's, to name in a failure.
WIDE_ELEMENTS = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ')[0] : ''))"""


async def fits_the_phone(page: Any) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    wide = [] if width <= PHONE["width"] else await page.evaluate(WIDE_ELEMENTS)
    assert width <= PHONE["width"], f"the page scrolls sideways: {width}px wide ({wide})"
