"""A phone-sized chromium page for each browser test (tests/support/browser.py launches it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.support.browser import phone_page

playwright_api = pytest.importorskip("playwright.async_api", reason="playwright is not installed")


@pytest.fixture
async def staff_browser() -> AsyncIterator[Any]:
    async with phone_page(playwright_api) as page:
        yield page


@pytest.fixture
async def director_browser(staff_browser: Any) -> Any:
    """The same phone page; the name says who signs in on it."""
    return staff_browser
