"""The staff web app's routes: login/logout, the order queue, packing."""

from __future__ import annotations

from aiohttp import web

from aggregator.web import (
    staff_actions,
    staff_address,
    staff_auth,
    staff_catalogue,
    staff_dashboard,
    staff_lives,
    staff_money,
    staff_orders,
    staff_origin,
    staff_packing,
    staff_reports,
    staff_tax,
    staff_unclear,
)


def setup(app: web.Application) -> None:
    for pages in (
        staff_auth,
        staff_orders,
        staff_packing,
        staff_unclear,
        staff_dashboard,
        staff_reports,
        staff_actions,
        staff_address,
        staff_catalogue,
        staff_lives,
        staff_money,
        staff_origin,  # taxorigin
        staff_tax,  # taxorigin
    ):
        pages.setup(app)
