"""Personal data rules, pure: the buyer's notice, the retention schedule, the clocks.

Law 91/2025/QH15 on personal data protection (in force 1 January 2026, replacing Decree
13/2023): consent is valid only when given freely and knowing the kind of data, the purpose, who
controls it and the buyer's rights (Art. 9), so the notice names each of those before the buyer
ticks the box; a breach is reported within 72 hours of its discovery; Decree 356/2025 has
requests answered within 2 working days and carried out within a set number of days (the
cooperative's `privacy_request_days`, 15 by default). Sources are cited in the README.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from aggregator.errors import BadInputError

BREACH_REPORT_HOURS = 72


class DataKind(StrEnum):
    COMMENTS = "comments"  # live comments: author names, texts, phones typed in them
    DELIVERIES = "deliveries"  # raw webhook bodies from platforms, couriers and banks
    ADDRESSES = "addresses"  # name, phone, address on orders that ended (and copies of them)
    MESSAGES = "messages"  # texts chotdon sent to buyers


# Days each kind is kept by default; the director changes them on /cai-dat/du-lieu-ca-nhan.
DEFAULT_DAYS: dict[DataKind, int] = {
    DataKind.COMMENTS: 90,
    DataKind.DELIVERIES: 30,
    DataKind.ADDRESSES: 90,
    DataKind.MESSAGES: 90,
}
KIND_TEXT: dict[DataKind, str] = {
    DataKind.COMMENTS: "Bình luận trong buổi live (tên hiển thị, nội dung, số điện thoại ghi "
    "trong bình luận)",
    DataKind.DELIVERIES: "Dữ liệu gốc nhận từ nền tảng, đơn vị vận chuyển, ngân hàng",
    DataKind.ADDRESSES: "Tên, số điện thoại, địa chỉ người nhận của đơn đã kết thúc; ảnh, "
    "ghi chú và tài khoản hoàn tiền của yêu cầu trả hàng đã xong",
    DataKind.MESSAGES: "Tin nhắn đã gửi cho người mua",
}  # fmt: skip
KIND_START: dict[DataKind, str] = {
    DataKind.COMMENTS: "kể từ lúc bình luận",
    DataKind.DELIVERIES: "kể từ lúc nhận",
    DataKind.ADDRESSES: "kể từ khi đơn kết thúc (đã giao, huỷ, hết hạn hoặc hoàn)",
    DataKind.MESSAGES: "kể từ lúc gửi",
}
MIN_DAYS, MAX_DAYS = 1, 3650


class ScheduleError(BadInputError, ValueError):
    """A retention figure the director typed that is not a whole number of days in range."""


def schedule(overrides: Mapping[str, int]) -> dict[DataKind, int]:
    """Days per kind: the cooperative's own figures over the defaults (unknown kinds ignored)."""
    return {kind: int(overrides.get(kind.value, days)) for kind, days in DEFAULT_DAYS.items()}


def read_schedule(form: Mapping[str, str]) -> dict[DataKind, int]:
    """The schedule form (one field per kind, in days) read and checked."""
    found: dict[DataKind, int] = {}
    for kind in DataKind:
        raw = form.get(kind.value, "").strip()
        if not raw.isdigit() or not MIN_DAYS <= int(raw) <= MAX_DAYS:
            raise ScheduleError(f"Số ngày phải là số nguyên từ {MIN_DAYS} đến {MAX_DAYS}.")
        found[kind] = int(raw)
    return found


def cutoff(now: datetime, days: int) -> datetime:
    """Rows older than this are due (timestamps compared in UTC, so no DST or zone surprise)."""
    return now - timedelta(days=days)


@dataclass(frozen=True, slots=True)
class Notice:
    body: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body.encode()).hexdigest()


def buyer_notice(cooperative: str, days: Mapping[DataKind, int]) -> Notice:
    """What the buyer reads before confirming: who, what, why, with whom, how long, rights."""
    lines = [
        f"{cooperative} (bên kiểm soát dữ liệu) nhận và lưu họ tên, số điện thoại, địa chỉ giao "
        "hàng của bạn, cùng bình luận và tin nhắn về đơn này.",
        "Mục đích: xác nhận đơn, giao hàng, thu tiền, liên hệ khi cần, và ghi nhận việc nhận "
        "hay từ chối hàng để hợp tác xã quyết định có nhận giao hàng thu tiền (COD) với số điện "
        "thoại này lần sau hay không. Việc ghi nhận này chỉ dùng trong hợp tác xã, không chia sẻ "
        "với bên nào khác.",
        "Tên, số điện thoại, địa chỉ chỉ được chuyển cho đơn vị vận chuyển giao đơn này. Dữ liệu "
        "của bạn không được bán hay chia sẻ cho bên khác.",
        f"Thời gian lưu: địa chỉ và số điện thoại người nhận {days[DataKind.ADDRESSES]} ngày sau "
        f"khi đơn kết thúc; bình luận {days[DataKind.COMMENTS]} ngày; tin nhắn "
        f"{days[DataKind.MESSAGES]} ngày. Số đơn, sản phẩm, số tiền được giữ cho sổ sách thuế.",
        "Quyền của bạn: xem và tải dữ liệu của mình, yêu cầu sửa, yêu cầu xoá, rút lại sự đồng "
        "ý, khiếu nại. Bạn làm việc đó ngay từ đường link đơn hàng này, mục “Dữ liệu của bạn”.",
    ]
    return Notice("\n".join(lines))


def days_left(now: datetime, due: datetime) -> int:
    """Whole days until `due` (negative once past), rounding towards the deadline."""
    seconds = (due - now).total_seconds()
    return int(seconds // 86_400) if seconds >= 0 else -int(-seconds // 86_400) - 1


def due_text(now: datetime, due: datetime) -> str:
    left = days_left(now, due)
    if left < 0:
        return f"Quá hạn {-left} ngày"
    return "Hạn hôm nay" if left == 0 else f"Còn {left} ngày"


@dataclass(frozen=True, slots=True)
class BreachClock:
    deadline: datetime
    hours_left: float
    overdue: bool

    @property
    def text(self) -> str:
        if self.overdue:
            return f"Quá hạn báo cáo {int(-self.hours_left)} giờ"
        return f"Còn {int(self.hours_left)} giờ để báo cáo"


def breach_clock(detected_at: datetime, reported_at: datetime | None, now: datetime) -> BreachClock:
    """The 72-hour clock from discovery; once reported, whether the report came in time."""
    deadline = detected_at + timedelta(hours=BREACH_REPORT_HOURS)
    until = reported_at if reported_at is not None else now
    hours = (deadline - until).total_seconds() / 3600
    return BreachClock(deadline, hours, hours < 0)
