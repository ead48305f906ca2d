"""The dashboard's pure shaping: the chart, comments per minute, alerts, platform totals, and the
snapshot shared by every screen of a cooperative."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from aggregator.core.dashboard import (
    CHART_H,
    CHART_MIN_MINUTES,
    CHART_MINUTES,
    CHART_W,
    PLOT_BOTTOM,
    PLOT_TOP,
    ChannelState,
    Counts,
    LiveFacts,
    ProductLine,
    bar_chart,
    channel_alerts,
    chart_minutes,
    comments_per_minute,
    dashboard,
    minute_series,
)
from aggregator.dashboard.shared import SharedSnapshots

NOW = datetime(2026, 11, 26, 13, 30, 20, tzinfo=UTC)  # 20:30:20 in Vietnam
FB = ChannelState(1, "facebook", "Trang HTX", "active", None, None)


def live(**changes: object) -> LiveFacts:
    base: dict[str, object] = {
        "id": 7, "title": "Live tối", "on_air": True, "started_at": NOW - timedelta(minutes=20),
        "ended_at": None, "channel": FB, "last_comment_at": NOW - timedelta(seconds=5),
    }  # fmt: skip
    base.update(changes)
    return LiveFacts(**base)  # type: ignore[arg-type]


def test_minutes_without_orders_are_zero_bars_and_the_busiest_fills_the_plot() -> None:
    minute = NOW.replace(second=0)
    series = minute_series({minute: 6, minute - timedelta(minutes=2): 3}, NOW, minutes=5)
    assert [count for _, count in series] == [0, 0, 3, 0, 6]
    chart = bar_chart(series)
    assert (chart.first, chart.last, chart.peak, chart.total) == ("20:26", "20:30", 6, 9)
    tallest, half = chart.bars[-1], chart.bars[2]
    assert tallest.y == PLOT_TOP and tallest.y + tallest.height == PLOT_BOTTOM
    assert half.height == (PLOT_BOTTOM - PLOT_TOP) / 2 and chart.bars[0].height == 0
    assert all(b.x >= 0 and b.x + b.width <= CHART_W for b in chart.bars)
    assert (chart.width, chart.height) == (CHART_W, CHART_H)


def test_the_chart_covers_the_minutes_the_live_ran_within_bounds() -> None:
    assert chart_minutes(NOW - timedelta(minutes=2), NOW) == CHART_MIN_MINUTES
    assert chart_minutes(NOW.replace(second=0) - timedelta(minutes=14), NOW) == 15
    assert chart_minutes(NOW - timedelta(hours=2), NOW) == CHART_MINUTES
    assert chart_minutes(None, NOW) == CHART_MINUTES
    board = dashboard([live(started_at=NOW - timedelta(minutes=20))], [], NOW)
    assert len(board.panels[0].chart.bars) == 21 and board.panels[0].chart.last == "20:30"


def test_a_quiet_chart_does_not_divide_by_zero() -> None:
    chart = bar_chart(minute_series({}, NOW))
    assert chart.peak == 1 and chart.total == 0 and len(chart.bars) == 30
    assert bar_chart([]).bars == ()


def test_comments_per_minute_on_air_and_after_the_end() -> None:
    assert comments_per_minute(live(recent_comments=50), NOW) == 10.0  # five-minute window
    young = live(recent_comments=12, started_at=NOW - timedelta(minutes=2))
    assert comments_per_minute(young, NOW) == 6.0  # only two minutes on air
    ended = live(on_air=False, comments=300, ended_at=NOW - timedelta(minutes=5))
    assert comments_per_minute(ended, NOW) == 20.0  # 300 over the 15 minutes it ran


def test_alerts_stock_out_silence_and_connectors() -> None:
    sold_out = ProductLine("A01", "Gạo ST25", "", 10, 1_800_000, 10, 10, 3)
    plenty = ProductLine("N01", "Nem chua", "", 1, 60_000, 50, 1, 0)
    facts = live(products=(sold_out, plenty), last_comment_at=NOW - timedelta(minutes=4))
    texts = [a.text for a in dashboard([facts], [], NOW).panels[0].alerts]
    assert texts == [
        "Hết hàng: A01 Gạo ST25",
        "Không nhận được bình luận nào trong 4 phút: kiểm tra kết nối Facebook",
    ]
    # The poller's watermark counts as a sign of life too; an ended live raises no silence.
    assert dashboard([live(last_comment_at=None, watermark=NOW)], [], NOW).panels[0].alerts == ()
    ended = live(on_air=False, ended_at=NOW, last_comment_at=NOW - timedelta(hours=1))
    assert dashboard([ended], [], NOW).panels[0].alerts == ()
    expired = ChannelState(2, "zalo", "OA", "active", None, int(NOW.timestamp()) - 1)
    fresh = ChannelState(3, "tiktok", "Shop", "active", None, int(NOW.timestamp()) + 3600)
    assert channel_alerts(fresh, NOW) == []
    assert "hết hạn" in channel_alerts(expired, NOW)[0].text
    lost = ChannelState(1, "facebook", "Trang HTX", "disconnected", None, None)
    board = dashboard([live(channel=lost)], [lost, expired], NOW)
    assert [a.text for a in board.panels[0].alerts] == ["Facebook «Trang HTX» đã mất kết nối"]
    assert [a.text for a in board.alerts] == [channel_alerts(expired, NOW)[0].text]


def test_platform_rows_add_up_the_lives_of_each_platform() -> None:
    tiktok = ChannelState(4, "tiktok", "Shop", "active", None, None)
    lives = [
        live(id=1, recent_comments=50, counts=Counts(3, 2, 1, 0, 300_000, 200_000)),
        live(id=2, channel=tiktok, recent_comments=5, counts=Counts(1, 1, 1, 1, 50_000, 0)),
        live(id=3, recent_comments=25, counts=Counts(2, 0, 0, 0, 100_000, 100_000)),
    ]
    rows = dashboard(lives, [], NOW).platforms
    assert [(r.platform, r.lives, r.comments_per_min) for r in rows] == [
        ("Facebook", 2, 15.0),
        ("TikTok", 1, 1.0),
    ]
    assert rows[0].counts == Counts(5, 2, 1, 0, 400_000, 300_000)


async def test_screens_of_one_cooperative_share_one_load_per_lifetime() -> None:
    clock = [0.0]
    loads: list[int] = []

    async def load(tenant_id: int) -> str:
        loads.append(tenant_id)
        number = len(loads)
        await asyncio.sleep(0)  # others ask while this load is in flight
        return f"snapshot {number} of {tenant_id}"

    shared = SharedSnapshots(load, ttl_s=1.0, clock=lambda: clock[0])
    first = await asyncio.gather(*(shared.get(1) for _ in range(5)), shared.get(2))
    assert first == ["snapshot 1 of 1"] * 5 + ["snapshot 2 of 2"]
    clock[0] = 0.9
    assert await shared.get(1) == "snapshot 1 of 1"
    clock[0] = 1.0
    assert await asyncio.gather(shared.get(1), shared.get(1)) == ["snapshot 3 of 1"] * 2
    assert loads == [1, 2, 1] and shared.loads == 3


async def test_a_slow_load_is_kept_longer_so_postgres_is_never_kept_busy() -> None:
    clock = [0.0]

    async def slow_load(tenant_id: int) -> float:
        clock[0] += 0.5  # the queries took half a second
        return clock[0]

    shared = SharedSnapshots(slow_load, ttl_s=1.0, clock=lambda: clock[0], busy_factor=4.0)
    assert await shared.get(1) == 0.5
    clock[0] = 0.5 + 1.9  # past the one-second lifetime, within four times the load time
    assert await shared.get(1) == 0.5
    clock[0] = 0.5 + 2.0
    assert await shared.get(1) == 3.0 and shared.loads == 2
