"""The routes of a cooperative's set-up (issue 20 items 1 and 3), registered by one call from
app.py: the first-run page, the settings pages under /cai-dat, the host's pages under /may-chu."""

from __future__ import annotations

from aiohttp import web

from aggregator.web import (
    first_run,
    host_pages,
    staff_settings,
    staff_settings_couriers,
    staff_settings_messages,
)


def setup(app: web.Application) -> None:
    for pages in (
        first_run, staff_settings, staff_settings_couriers, staff_settings_messages, host_pages,
    ):  # fmt: skip
        pages.setup(app)
