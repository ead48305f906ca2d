"""The director's live dashboard, pure: figures added up per platform, the orders-per-minute chart
as SVG geometry, comments per minute, and the alerts a live raises. No I/O: aggregator/dashboard
loads the rows, these shape them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo

from aggregator.core.channel_login import START_PATHS, Renewal, login_health

# A live on air with no comment, poll watermark or start newer than this looks cut off.
STALE_AFTER = timedelta(minutes=3)
RATE_WINDOW = timedelta(minutes=5)  # comments per minute: averaged over the last five minutes
CHART_MINUTES = 30  # the chart shows the live's last half hour, one bar a minute
CHART_MIN_MINUTES = 10  # a live just started still gets bars of a readable width
CHART_W, CHART_H = 320, 120  # SVG viewBox units: 1 unit ≈ 1 px on a 360 px phone
PLOT_TOP, PLOT_BOTTOM, PLOT_LEFT = 14, 100, 4
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

PLATFORM_TEXT = {
    "facebook": "Facebook",
    "tiktok": "TikTok",
    "zalo": "Zalo",
    "relay": "TikTok",  # the bridge of TikTok LIVE comments: one name for TikTok
    "manual": "Nhập tay",
}


class Level(StrEnum):
    DANGER = "danger"  # selling is hurt now: out of stock, no comments arriving
    WARN = "warn"


@dataclass(frozen=True, slots=True)
class Alert:
    level: Level
    text: str
    link: str = ""  # one tap that fixes it (a new login at the platform), if there is one
    link_text: str = ""


@dataclass(frozen=True, slots=True)
class Counts:
    """Order figures of a live (or a platform's lives). Money in VND."""

    orders: int = 0
    confirmed: int = 0
    paid: int = 0
    shipped: int = 0
    revenue_vnd: int = 0
    unpaid_vnd: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.orders + other.orders,
            self.confirmed + other.confirmed,
            self.paid + other.paid,
            self.shipped + other.shipped,
            self.revenue_vnd + other.revenue_vnd,
            self.unpaid_vnd + other.unpaid_vnd,
        )


@dataclass(frozen=True, slots=True)
class ProductLine:
    code: str
    name: str
    variant: str
    ordered: int  # units in orders still standing
    revenue_vnd: int
    stock: int | None  # units offered in this live; None: the live sets no stock for it
    reserved: int
    waitlist: int  # buyers waiting for stock
    # Lines of a product sold by variant that name none ("chốt mật ong"): no variant's stock is
    # theirs until staff ask the buyer which one.
    variant_missing: bool = False

    @property
    def left(self) -> int | None:
        return None if self.stock is None else max(0, self.stock - self.reserved)

    @property
    def sold_out(self) -> bool:
        return self.stock is not None and self.left == 0


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    minute: str  # HH:MM, for the bar's tooltip


@dataclass(frozen=True, slots=True)
class Chart:
    bars: tuple[Bar, ...]
    peak: int
    first: str
    last: str
    total: int
    width: int = CHART_W
    height: int = CHART_H
    baseline: int = PLOT_BOTTOM


@dataclass(frozen=True, slots=True)
class ChannelState:
    """What the dashboard knows about a live's connector."""

    id: int
    platform: str
    name: str
    status: str  # active, disconnected, disabled
    status_reason: str | None
    token_expires_at: int | None  # unix seconds; None: the platform's token does not expire here
    reconnect_by: int | None = None  # unix seconds: the login itself runs out (a new login then)


@dataclass(frozen=True, slots=True)
class LiveFacts:
    """One live's rows, as loaded."""

    id: int
    title: str
    on_air: bool
    started_at: datetime | None
    ended_at: datetime | None
    channel: ChannelState
    comments: int = 0
    recent_comments: int = 0  # within RATE_WINDOW
    last_comment_at: datetime | None = None  # newest comment's time
    watermark: datetime | None = None  # the Facebook poller's last complete poll
    counts: Counts = Counts()
    per_minute: Mapping[datetime, int] = field(default_factory=dict)
    products: tuple[ProductLine, ...] = ()
    live_id: int | None = None  # the broadcast this channel's session belongs to (None: its own)
    live_title: str = ""


@dataclass(frozen=True, slots=True)
class LivePanel:
    facts: LiveFacts
    platform: str
    comments_per_min: float
    chart: Chart
    alerts: tuple[Alert, ...]


@dataclass(frozen=True, slots=True)
class LiveBoard:
    """One live once, whatever channels it runs on: a panel per channel inside, the figures
    added up, one chart and the stock of its one pool."""

    id: int
    title: str
    on_air: bool
    ended_at: datetime | None
    channels: tuple[LivePanel, ...]
    comments: int
    comments_per_min: float
    counts: Counts
    chart: Chart
    products: tuple[ProductLine, ...]
    alerts: tuple[Alert, ...]


@dataclass(frozen=True, slots=True)
class PlatformRow:
    platform: str
    lives: int
    comments_per_min: float
    counts: Counts


@dataclass(frozen=True, slots=True)
class Dashboard:
    at: datetime
    panels: tuple[LivePanel, ...]  # one per channel of each live
    platforms: tuple[PlatformRow, ...]
    alerts: tuple[Alert, ...]  # channels in trouble, whether or not a live runs on them
    lives: tuple[LiveBoard, ...] = ()  # the panels grouped into the lives they belong to


def platform_text(platform: str) -> str:
    return PLATFORM_TEXT.get(platform, platform)


def comments_per_minute(facts: LiveFacts, now: datetime) -> float:
    """On air: the last five minutes' average (or since the start, if it began later); ended:
    the whole live's average."""
    if facts.on_air:
        window = RATE_WINDOW
        if facts.started_at is not None:
            window = min(window, max(now - facts.started_at, timedelta(minutes=1)))
        return round(facts.recent_comments / (window.total_seconds() / 60), 1)
    if facts.started_at is None or facts.ended_at is None:
        return 0.0
    length = max(facts.ended_at - facts.started_at, timedelta(minutes=1))
    return round(facts.comments / (length.total_seconds() / 60), 1)


def minute_series(
    per_minute: Mapping[datetime, int], end: datetime, minutes: int = CHART_MINUTES
) -> list[tuple[datetime, int]]:
    """The last `minutes` whole minutes up to `end`, each with its order count (0 when none)."""
    last = end.replace(second=0, microsecond=0)
    starts = [last - timedelta(minutes=minutes - 1 - i) for i in range(minutes)]
    return [(m, per_minute.get(m, 0)) for m in starts]


def bar_chart(series: list[tuple[datetime, int]], tz: tzinfo = VIETNAM) -> Chart:
    """Bars in a CHART_W × CHART_H viewBox, scaled to the busiest minute (at least 1)."""
    if not series:
        return Chart((), 0, "", "", 0)
    peak = max(1, max(count for _, count in series))
    slot = (CHART_W - PLOT_LEFT) / len(series)
    plot_h = PLOT_BOTTOM - PLOT_TOP
    bars = []
    for i, (minute, count) in enumerate(series):
        height = round(plot_h * count / peak, 1)
        bars.append(
            Bar(
                x=round(PLOT_LEFT + i * slot + slot * 0.1, 1),
                y=round(PLOT_BOTTOM - height, 1),
                width=round(slot * 0.8, 1),
                height=height,
                count=count,
                minute=minute.astimezone(tz).strftime("%H:%M"),
            )
        )
    total = sum(count for _, count in series)
    return Chart(tuple(bars), peak, bars[0].minute, bars[-1].minute, total)


def _stale(facts: LiveFacts, now: datetime) -> timedelta | None:
    """How long an on-air live has been silent, if longer than STALE_AFTER."""
    if not facts.on_air:
        return None
    seen = [t for t in (facts.last_comment_at, facts.watermark, facts.started_at) if t is not None]
    if not seen:
        return None
    silent = now - max(seen)
    return silent if silent > STALE_AFTER else None


def channel_alerts(channel: ChannelState, now: datetime) -> list[Alert]:
    """A disconnected connector, an access token past its expiry, or a login running out; with
    a one-tap reconnect (a new login at the platform) where chotdon can connect by login."""
    label = f"{platform_text(channel.platform)} «{channel.name}»"
    link = START_PATHS.get(channel.platform, "")
    text = "Kết nối lại" if link else ""
    if channel.status == "disconnected":
        why = f": {channel.status_reason}" if channel.status_reason else ""
        return [Alert(Level.DANGER, f"{label} đã mất kết nối{why}", link, text)]
    expires = channel.token_expires_at
    if channel.status == "active" and expires is not None and expires <= now.timestamp():
        message = f"{label}: mã truy cập (token) đã hết hạn, cần kết nối lại"
        return [Alert(Level.DANGER, message, link, text)]
    health = login_health(channel.status, channel.reconnect_by, now.timestamp())
    if channel.status == "active" and health.renewal is not Renewal.FINE:
        when = "đã hết hạn" if health.renewal is Renewal.DUE else f"còn {health.days_left} ngày"
        level = Level.DANGER if health.renewal is Renewal.DUE else Level.WARN
        return [Alert(level, f"{label}: quyền truy cập {when}, cần đăng nhập lại", link, text)]
    return []


def live_alerts(facts: LiveFacts, now: datetime) -> list[Alert]:
    alerts = sold_out_alerts(facts.products)
    if facts.on_air:
        alerts.extend(channel_alerts(facts.channel, now))
        silent = _stale(facts, now)
        if silent is not None:
            minutes = int(silent.total_seconds() // 60)
            alerts.append(
                Alert(
                    Level.WARN,
                    f"Không nhận được bình luận nào trong {minutes} phút: kiểm tra kết nối "
                    f"{platform_text(facts.channel.platform)}",
                )
            )
    return alerts


def chart_minutes(started_at: datetime | None, end: datetime) -> int:
    """Bars to draw: the minutes the live has run, between CHART_MIN_MINUTES and CHART_MINUTES."""
    if started_at is None:
        return CHART_MINUTES
    ran = int((end - started_at.replace(second=0, microsecond=0)).total_seconds() // 60) + 1
    return max(CHART_MIN_MINUTES, min(CHART_MINUTES, ran))


def panel(facts: LiveFacts, now: datetime) -> LivePanel:
    end = now if facts.on_air or facts.ended_at is None else facts.ended_at
    minutes = chart_minutes(facts.started_at, end)
    return LivePanel(
        facts=facts,
        platform=platform_text(facts.channel.platform),
        comments_per_min=comments_per_minute(facts, now),
        chart=bar_chart(minute_series(facts.per_minute, end, minutes)),
        alerts=tuple(live_alerts(facts, now)),
    )


def platform_rows(panels: Iterable[LivePanel]) -> tuple[PlatformRow, ...]:
    """Figures added up per platform over the lives shown, in the order platforms first appear."""
    rows: dict[str, PlatformRow] = {}
    for p in panels:
        key = p.platform  # by the name shown: TikTok's shop and its LIVE bridge are one row
        rate = p.comments_per_min if p.facts.on_air else 0.0
        old = rows.get(key, PlatformRow(p.platform, 0, 0.0, Counts()))
        rows[key] = PlatformRow(
            old.platform, old.lives + 1, round(old.comments_per_min + rate, 1),
            old.counts + p.facts.counts,
        )  # fmt: skip
    return tuple(rows.values())


def sold_out_alerts(products: Iterable[ProductLine]) -> list[Alert]:
    return [
        Alert(Level.DANGER, f"Hết hàng: {p.code} {p.name}{' ' + p.variant if p.variant else ''}")
        for p in products
        if p.sold_out
    ]


def _board(
    live_id: int,
    group: list[LivePanel],
    products: tuple[ProductLine, ...],
    per_minute: Mapping[datetime, int],
    now: datetime,
) -> LiveBoard:
    on_air = any(p.facts.on_air for p in group)
    starts = [p.facts.started_at for p in group if p.facts.started_at is not None]
    ends = [p.facts.ended_at for p in group if p.facts.ended_at is not None]
    ended_at = None if on_air or not ends else max(ends)
    end = now if ended_at is None else ended_at
    started = min(starts) if starts else None
    counts = Counts()
    for p in group:
        counts = counts + p.facts.counts
    alerts = sold_out_alerts(products) + [a for p in group for a in p.alerts]
    return LiveBoard(
        id=live_id,
        title=group[0].facts.live_title or group[0].facts.title,
        on_air=on_air,
        ended_at=ended_at,
        channels=tuple(group),
        comments=sum(p.facts.comments for p in group),
        comments_per_min=round(sum(p.comments_per_min for p in group), 1),
        counts=counts,
        chart=bar_chart(minute_series(per_minute, end, chart_minutes(started, end))),
        products=products,
        alerts=tuple(alerts),
    )


def live_boards(
    panels: Iterable[LivePanel],
    now: datetime,
    products: Mapping[int, tuple[ProductLine, ...]] | None = None,
    per_minute: Mapping[int, Mapping[datetime, int]] | None = None,
) -> tuple[LiveBoard, ...]:
    """The channel panels grouped by live, in the order lives first appear; `products` and
    `per_minute` are by live id (one pool and one order chart for all its channels)."""
    groups: dict[int, list[LivePanel]] = {}
    for p in panels:
        groups.setdefault(p.facts.live_id or p.facts.id, []).append(p)
    return tuple(
        _board(live_id, group, (products or {}).get(live_id, ()),
               (per_minute or {}).get(live_id, {}), now)
        for live_id, group in groups.items()
    )  # fmt: skip


def dashboard(
    lives: Iterable[LiveFacts],
    channels: Iterable[ChannelState],
    now: datetime,
    more: Iterable[Alert] = (),
    products: Mapping[int, tuple[ProductLine, ...]] | None = None,
    per_minute: Mapping[int, Mapping[datetime, int]] | None = None,
) -> Dashboard:
    """The whole page: a board per live with a panel per channel, platform totals, and alerts of
    channels with no live on air (a live's own channel alerts sit in its board), then `more`
    (parcels in trouble). `products`, `per_minute`: by live id."""
    panels = tuple(panel(f, now) for f in lives)
    on_air = {p.facts.channel.id for p in panels if p.facts.on_air}
    alerts = tuple(
        alert
        for channel in channels
        if channel.id not in on_air
        for alert in channel_alerts(channel, now)
    )
    boards = live_boards(panels, now, products, per_minute)
    return Dashboard(now, panels, platform_rows(panels), alerts + tuple(more), boards)
