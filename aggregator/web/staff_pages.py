"""The staff web app's routes: login/logout, the order queue, packing."""

from __future__ import annotations

from aiohttp import web

from aggregator.web import (
    staff_actions,
    staff_address,
    staff_auth,
    staff_catalogue,
    staff_channels,
    staff_dashboard,
    staff_inbox,
    staff_lives,
    staff_money,
    staff_orders,
    staff_origin,
    staff_packing,
    staff_privacy,
    staff_reports,
    staff_tax,
    staff_team,
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
        staff_privacy,
        staff_inbox,
        staff_channels,
        staff_team,
        staff_origin,  # taxorigin
        staff_tax,  # taxorigin
    ):
        pages.setup(app)
