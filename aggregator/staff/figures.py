"""The director's staff figures from Postgres: per person and per live, orders confirmed and
packed, questions answered, median claim -> packed and question -> answer; returns by cause; CSV.

SQL in schema/queries/figures.sql (questions answered come through its one hook query for the
inbox part); counting and medians in aggregator/core/figures.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import asyncpg

from aggregator.core.figures import ANSWERED, Act, FigureRow, by_live, by_person, minutes_text
from aggregator.core.reports import csv_bytes, local, utc_bounds
from aggregator.core.returns import CAUSE_TEXT
from aggregator.staff.accounts import StaffUser
from schema.enums import ReturnCause
from schema.queries import query

# Acts by an actor with no staff row: chotdon's own answers, the demo's and chaos run's robots,
# or a deleted account.
# Staff read names, never codes (staff:demo-packer).
ROBOT_NAMES = {"chotdon": "chotdon (tự động)", "staff:demo": "Người máy gọi điện (demo)",
               "staff:demo-packer": "Người máy đóng gói (demo)",
               "staff:chaos": "Người máy thử tải",
               "staff:chaos-packer": "Người máy thử tải"}  # fmt: skip
UNKNOWN_STAFF = "Tài khoản không còn"
HEADER = ["Đơn xác nhận", "Đơn đóng gói", "Câu trả lời", "Nhận → gói (trung vị)",
          "Hỏi → đáp (trung vị)"]  # fmt: skip


@dataclass(frozen=True, slots=True)
class CauseRow:
    cause: str
    returns: int
    refused: int
    refunded_vnd: int


@dataclass(frozen=True, slots=True)
class Figures:
    start: date
    end: date
    people: list[FigureRow]
    lives: list[FigureRow]
    causes: list[CauseRow]


def _name(row: asyncpg.Record) -> str:
    if row["name"] is not None:
        return str(row["name"])
    return ROBOT_NAMES.get(row["actor"], UNKNOWN_STAFF)


def live_label(row: asyncpg.Record) -> str:
    """'Live tối · 06/12/2026 19:00' (Vietnam time): a title alone repeats every evening."""
    when = local(row["started_at"], "%d/%m/%Y %H:%M")
    return f"{row['title'] or 'Live'} · {when}" if when else str(row["title"] or "Live")


async def build_figures(pool: asyncpg.Pool, staff: StaffUser, start: date, end: date) -> Figures:
    low, high = utc_bounds(start, end)
    async with pool.acquire() as conn:
        order_acts = await conn.fetch(query("figures_order_acts"), staff.tenant_id, low, high)
        answers = await conn.fetch(query("figures_answers"), staff.tenant_id, low, high)
        acts = [Act(r["actor"], _name(r), r["live_id"], r["kind"], r["seconds"])
                for r in order_acts]  # fmt: skip
        acts += [Act(r["actor"], _name(r), r["live_id"], ANSWERED, r["seconds"]) for r in answers]
        live_ids = sorted({a.live_id for a in acts if a.live_id is not None})
        lives = await conn.fetch(query("figures_lives"), staff.tenant_id, live_ids)
        causes = await conn.fetch(query("figures_returns_by_cause"), staff.tenant_id, low, high)
    ordered = sorted(lives, key=lambda r: (r["started_at"] is None, r["started_at"]), reverse=True)
    labels = {int(r["id"]): live_label(r) for r in ordered}
    return Figures(
        start, end, by_person(acts), by_live(acts, labels),
        [CauseRow(CAUSE_TEXT[ReturnCause(r["cause"])], r["returns"], r["refused"],
                  r["refunded_vnd"]) for r in causes],
    )  # fmt: skip


def _cells(row: FigureRow) -> list[object]:
    return [row.confirmed, row.packed, row.answered, minutes_text(row.median_pack_min),
            minutes_text(row.median_answer_min)]  # fmt: skip


def figures_csv(figures: Figures) -> bytes:
    """One file: people, then lives, then returns by cause, each block with its own header."""
    rows: list[list[object]] = [["Nhân viên", *HEADER]]
    rows += [[r.label, *_cells(r)] for r in figures.people]
    rows += [[], ["Buổi live", *HEADER]]
    rows += [[r.label, *_cells(r)] for r in figures.lives]
    rows += [[], ["Lý do trả hàng", "Số yêu cầu", "Bị từ chối", "Đã hoàn (đ)"]]
    rows += [[c.cause, c.returns, c.refused, c.refunded_vnd] for c in figures.causes]
    period = f"Từ {figures.start:%d/%m/%Y} đến {figures.end:%d/%m/%Y}"
    return csv_bytes([period], rows)
