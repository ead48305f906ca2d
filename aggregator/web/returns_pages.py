"""Routes of the returns part (issue 22): the buyer's return page, staff returns and refunds,
and the director's staff figures; one setup() so the app factory registers them in one line."""

from __future__ import annotations

from aiohttp import web

from aggregator.web import buyer_returns, staff_figures, staff_returns


def setup(app: web.Application) -> None:
    buyer_returns.setup(app)
    staff_returns.setup(app)
    staff_figures.setup(app)
