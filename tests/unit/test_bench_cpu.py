"""The bench's machine-wide CPU figure: busy and idle shares from /proc/stat's clock ticks."""

from __future__ import annotations

import sys

import pytest

from aggregator.tools.bench import cpu


def test_busy_seconds_and_idle_share_between_two_readings() -> None:
    tick = cpu._TICK
    busy, idle = cpu.box_spent((1_000, 4_000), (1_000 + 3 * tick, 4_000 + 4 * tick))
    assert busy == pytest.approx(3.0)  # three seconds of CPU in use, over all cores
    assert idle == pytest.approx(0.25)  # one tick in four left idle


def test_no_figure_without_two_readings_or_time_between_them() -> None:
    assert cpu.box_spent(None, (1, 2)) == (None, None)
    assert cpu.box_spent((1, 2), None) == (None, None)
    assert cpu.box_spent((5, 10), (5, 10)) == (None, None)


def test_the_figures_name_the_machine_beside_the_three_sides() -> None:
    spent = cpu.CpuSpent(ingest=0.5, worker=1.0, postgres=2.0, box=4.0, box_idle=0.125)
    figures = spent.per_comment_ms(1_000)
    assert figures["cpu_ms_per_comment_total"] == 3.5
    assert figures["cpu_ms_per_comment_box"] == 4.0
    assert figures["box_idle_pct"] == 12.5
    unknown = cpu.CpuSpent(ingest=0.5, worker=None, postgres=None).per_comment_ms(1_000)
    assert unknown["cpu_ms_per_comment_box"] == "not measured"
    assert unknown["box_idle_pct"] == "not measured"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/stat is Linux's")
def test_this_machine_is_read_from_proc_stat() -> None:
    reading = cpu._box_jiffies()
    assert reading is not None
    busy, total = reading
    assert 0 < busy < total
