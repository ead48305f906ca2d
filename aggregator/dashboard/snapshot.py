"""Load one cooperative's dashboard: one set-based statement over the counters of migration 0033
(and the login alerts), shaped by aggregator.core.dashboard (and aggregator.core.incidents for
parcels in trouble). The tenant id scopes every query."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import orjson

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


# Columns of the snapshot's JSON parts that are times (JSON carries them as ISO 8601 text).
TIMES = ("started_at", "ended_at", "created_at", "watermark", "last_comment_at", "minute",
         "updated_at")  # fmt: skip


@dataclass(frozen=True, slots=True)
class SnapshotRows:
    """The rows of dashboard_snapshot's parts, as the separate queries would return them."""

    lives: list[dict[str, Any]]
    products: list[dict[str, Any]]
    per_minute: list[dict[str, Any]]
    channels: list[dict[str, Any]]
    incidents: list[dict[str, Any]]
    unreadable: int


def _rows(value: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = orjson.loads(value) if isinstance(value, str) else value
    for row in rows:
        for key in TIMES:
            if row.get(key) is not None:
                row[key] = datetime.fromisoformat(row[key])
    return rows


async def snapshot_rows(
    conn: asyncpg.Connection | Any, tenant_id: int, now: datetime
) -> SnapshotRows:
    """One statement, one round trip: on a web process busy with ingest every await may wait
    behind other work, so the page's figures cost one await instead of ten."""
    row = await conn.fetchrow(
        query("dashboard_snapshot"), tenant_id, start_of_day(now), MAX_LIVES, RATE_WINDOW, now,
        CHART_MINUTES, now - ALERT_WINDOW, MAX_INCIDENTS,
    )  # fmt: skip
    assert row is not None  # one row of sub-selects, always
    return SnapshotRows(
        _rows(row["lives"]), _rows(row["products"]), _rows(row["per_minute"]),
        _rows(row["channels"]), _rows(row["incidents"]), int(row["unreadable"]),
    )  # fmt: skip


async def fold_counters(conn: asyncpg.Connection | Any, tenant_id: int) -> None:
    """Fold the counter rows the triggers of migration 0033 appended since the last fold, so
    reads stay about one row per live, minute and product (the streams' shared load and the
    sweeper call it; a page request reads unfolded rows rather than wait for a write)."""
    await conn.fetchval(query("dashboard_fold"), tenant_id)


async def fold_counters_on_air(conn: asyncpg.Connection | Any) -> int:
    """The sweeper's fold: every cooperative with a live on air; how many were folded."""
    return int(await conn.fetchval(query("dashboard_fold_on_air")))


async def load_dashboard(
    conn: asyncpg.Connection | Any, tenant_id: int, now: datetime | None = None
) -> Dashboard:
    """The dashboard of `tenant_id` as the database has it now: one statement for the figures
    (one snapshot, so they agree with each other), one for the login alerts."""
    now = now or datetime.now(UTC)
    rows = await snapshot_rows(conn, tenant_id, now)
    products: dict[int, list[ProductLine]] = defaultdict(list)
    for r in rows.products:
        products[r["live_id"]].append(_product(r))
    per_minute: dict[int, dict[datetime, int]] = defaultdict(dict)
    for r in rows.per_minute:
        per_minute[r["live_id"]][r["minute"]] = r["orders"]
    incidents = [_incident(r) for r in rows.incidents]
    total = rows.incidents[0]["total"] if rows.incidents else 0
    more = incident_alerts(incidents, rows.unreadable, total)
    more += await _login_alerts(conn, tenant_id, now - LOGIN_ALERT_WINDOW)
    by_live = {live_id: tuple(lines) for live_id, lines in products.items()}
    facts = [_facts(r) for r in rows.lives]
    channels = [_channel(c) for c in rows.channels]
    return dashboard(facts, channels, now, more, by_live, per_minute)


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
