"""Report rules, pure: the date range a director asks for, Vietnam days, CSV for Excel, masking.

A cooperative's day is a day in Asia/Ho_Chi_Minh (UTC+7, no daylight saving): an order placed
at 23:30 on the 1st in Vietnam is 16:30 UTC and counts on the 1st; one at 00:30 on the 2nd is
17:30 UTC on the 1st and counts on the 2nd. The database groups by `at AT TIME ZONE` that zone;
this module turns the director's dates into the UTC instants the queries take.

Numbers a report shows (each order once, by the Vietnam day it was created):
- orders: every order created; confirmed: those the buyer or staff confirmed (confirmed or any
  later step, returned included); delivered; returned.
- revenue: the total of orders delivered, or paid (transfer, platform) and not cancelled,
  expired or returned. A household business declares what it actually sold.
- unpaid: the total of confirmed orders not yet paid nor delivered (money still to come).
- COD outstanding: cash the courier collected on delivered COD parcels that no imported COD
  report has settled yet (orders without a cod_reconciled event).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aggregator.errors import BadInputError

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_DAYS = 366


class RangeError(BadInputError, ValueError):
    """A date range the report cannot use; the message is Vietnamese, for the director."""


def vn_today(now: datetime) -> date:
    return now.astimezone(VN).date()


def _day(text: str, default: date) -> date:
    text = text.strip()
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RangeError(f"Ngày “{text[:20]}” không hợp lệ (dạng 2026-11-25).") from None


def parse_range(first: str, last: str, now: datetime) -> tuple[date, date]:
    """The director's from/to dates (inclusive, YYYY-MM-DD); empty: this month so far."""
    today = vn_today(now)
    start = _day(first, today.replace(day=1))
    end = _day(last, today)
    if end < start:
        raise RangeError("Ngày kết thúc phải sau ngày bắt đầu.")
    if (end - start).days + 1 > MAX_DAYS:
        raise RangeError(f"Chọn tối đa {MAX_DAYS} ngày mỗi lần.")
    return start, end


def utc_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in Vietnam, as UTC instants."""
    low = datetime.combine(start, time(), VN).astimezone(UTC)
    high = datetime.combine(end + timedelta(days=1), time(), VN).astimezone(UTC)
    return low, high


def local(at: datetime | None, fmt: str = "%d/%m/%Y %H:%M:%S") -> str:
    return at.astimezone(VN).strftime(fmt) if at is not None else ""


def mask_phone(phone: str | None) -> str:
    """0912345678 -> 091****678: enough to tell buyers apart on an invoice list, no more."""
    digits = "".join(c for c in phone or "" if c.isdigit())
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 6) + digits[-3:]


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """CSV as Excel opens it with Vietnamese intact: UTF-8 with a byte-order mark, CRLF lines.

    A cell starting with = + - @ (or a TAB or CR, which spreadsheets skip before reading one) is
    prefixed with ' so a spreadsheet never runs it as a formula (buyer names and comments are
    typed by strangers).
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP's list for CSV injection


def _cell(value: object) -> object:
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value
