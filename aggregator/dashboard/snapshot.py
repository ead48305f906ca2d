"""Load one cooperative's dashboard: a few set-based queries on one connection, shaped by
aggregator.core.dashboard (and aggregator.core.incidents for parcels in trouble). The tenant id
scopes every query."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from aggregator.core.dashboard import (
    CHART_MINUTES,
    RATE_WINDOW,
    VIETNAM,
    Alert,
    ChannelState,
    Counts,
    Dashboard,
    LiveFacts,
    ProductLine,
    dashboard,
)
from aggregator.core.incidents import Incident, courier_says, incident_alerts
from aggregator.core.login_limits import LoginAttacks, login_alerts
from connectors.couriers.status_names import status_name
from schema.enums import Courier
from schema.queries import query

MAX_LIVES = 12  # a cooperative runs a few lives at once; the page stays readable on a phone
# Parcels in trouble and dead letters older than this are old news (the order queue keeps them).
ALERT_WINDOW = timedelta(days=7)
LOGIN_ALERT_WINDOW = timedelta(hours=1)
MAX_INCIDENTS = 100


def start_of_day(now: datetime) -> datetime:
    """Midnight in Vietnam, the day a director means by 'today'."""
    local = now.astimezone(VIETNAM)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _channel(row: Any, prefix: str = "") -> ChannelState:
    """A channel from its own row (no prefix) or from a live's row (channel_ columns)."""
    return ChannelState(
        id=row[f"{prefix}id"],
        platform=row["platform"],
        name=row[f"{prefix}name"],
        status=row[f"{prefix}status"],
        status_reason=row["status_reason"],
        token_expires_at=row["token_expires_at"],
        reconnect_by=row.get("reconnect_by"),
    )


def _counts(row: Any) -> Counts:
    return Counts(
        orders=row["orders"],
        confirmed=row["confirmed"],
        paid=row["paid"],
        shipped=row["shipped"],
        revenue_vnd=row["revenue_vnd"],
        unpaid_vnd=row["unpaid_vnd"],
    )


def _product(row: Any) -> ProductLine:
    return ProductLine(
        code=row["code"],
        name=row["name"],
        variant=row["variant"],
        ordered=row["ordered"],
        revenue_vnd=row["revenue_vnd"],
        stock=row["stock"],
        reserved=row["reserved"],
        waitlist=row["waitlist"],
        variant_missing=row["variant_missing"],
    )


def _chart_end(row: Any, now: datetime) -> datetime:
    return now if row["status"] == "live" or row["ended_at"] is None else row["ended_at"]


async def load_dashboard(
    conn: asyncpg.Connection | Any, tenant_id: int, now: datetime | None = None
) -> Dashboard:
    """The dashboard of `tenant_id` as the database has it now (one read-only snapshot, so the
    figures of the four queries agree with each other)."""
    now = now or datetime.now(UTC)
    # The triggers of migration 0033 append a counter row per statement; folding them first
    # keeps the reads below to about one row per live, minute and product.
    await conn.fetchval(query("dashboard_fold"), tenant_id)
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        return await _load(conn, tenant_id, now)


async def _load(conn: asyncpg.Connection | Any, tenant_id: int, now: datetime) -> Dashboard:
    lives = await conn.fetch(
        query("dashboard_lives"), tenant_id, start_of_day(now), MAX_LIVES, RATE_WINDOW
    )
    ends: dict[int, datetime] = {}  # per live: now while any channel is on air
    for r in lives:
        end = _chart_end(r, now)
        ends[r["live_id"]] = max(end, ends.get(r["live_id"], end))
    ids = sorted(ends)
    products: dict[int, list[ProductLine]] = defaultdict(list)
    per_minute: dict[int, dict[datetime, int]] = defaultdict(dict)
    if ids:
        for row in await conn.fetch(query("dashboard_products"), tenant_id, ids):
            products[row["live_id"]].append(_product(row))
        for row in await conn.fetch(
            query("dashboard_orders_per_minute"), tenant_id, ids, [ends[i] for i in ids],
            CHART_MINUTES,
        ):  # fmt: skip
            per_minute[row["live_id"]][row["minute"]] = row["orders"]
    channels = await conn.fetch(query("dashboard_channels"), tenant_id, int(now.timestamp()))
    facts = [_facts(r) for r in lives]
    more = await _courier_alerts(conn, tenant_id, now - ALERT_WINDOW)
    more += await _login_alerts(conn, tenant_id, now - LOGIN_ALERT_WINDOW)
    by_live = {live_id: tuple(lines) for live_id, lines in products.items()}
    return dashboard(facts, [_channel(c) for c in channels], now, more, by_live, per_minute)


async def _courier_alerts(
    conn: asyncpg.Connection | Any, tenant_id: int, since: datetime
) -> list[Alert]:
    """Parcels in trouble lately, and deliveries chotdon could not read."""
    rows = await conn.fetch(query("dashboard_courier_incidents"), tenant_id, since, MAX_INCIDENTS)
    unreadable = await conn.fetchval(query("dashboard_unreadable_deliveries"), tenant_id, since)
    incidents = [_incident(r) for r in rows]
    return incident_alerts(incidents, unreadable, rows[0]["total"] if rows else 0)


async def _login_alerts(
    conn: asyncpg.Connection | Any, tenant_id: int, since: datetime
) -> list[Alert]:
    """Refused logins of the last hour (issue 24: the director is told of attacks)."""
    row = await conn.fetchrow(query("login_attack_figures"), tenant_id, since)
    assert row is not None  # one row of sub-selects, always
    attacks = LoginAttacks(
        row["own_wrong"], row["own_refused"], row["all_wrong"], row["all_refused"],
        tuple(row["delayed_logins"]),
    )  # fmt: skip
    return login_alerts(attacks)


def _incident(row: Any) -> Incident:
    courier = Courier(row["courier"])
    said = courier_says(
        courier.value, status_name(courier, row["courier_status"] or ""), row["status_reason"]
    )
    return Incident(row["order_no"], row["status"], said)


def _facts(r: Any) -> LiveFacts:
    """One channel of a live; its orders per minute and stock are the live's (by live id)."""
    return LiveFacts(
        id=r["id"],
        title=r["title"],
        on_air=r["status"] == "live",
        started_at=r["started_at"],
        ended_at=r["ended_at"],
        channel=_channel(r, "channel_"),
        comments=r["comments"],
        recent_comments=r["recent_comments"],
        last_comment_at=r["last_comment_at"],
        watermark=r["watermark"],
        counts=_counts(r),
        live_id=r["live_id"],
        live_title=r["live_title"] or "",
    )
