"""Login limits, pure: which buckets a login try must reserve, and what a refusal tells the user.

Every try reserves one place in each of its buckets before any password is hashed (the SQL is
`reserve_login_attempt`): its client address, the login it names, and the server as a whole (one
bucket per minute). A bucket allows `free` tries, then delays the next ones progressively (first
delay, doubled each try, up to a longest delay) until it has been quiet for a while or the login
succeeds. Nothing is ever locked for good: the worst an attacker can do to a login is keep it at
the longest delay, and a try from a trusted device of that login reserves only its device's own
bucket, so the director gets in whatever others do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from aggregator.core.dashboard import Alert, Level

# Server-wide refused logins in an hour from which every director is told of an attack.
ATTACK_NOTICE_TRIES = 50


class Scope(StrEnum):
    ADDRESS = "address"
    LOGIN = "login"
    DEVICE = "device"
    GLOBAL = "global"


@dataclass(frozen=True, slots=True)
class Bucket:
    scope: Scope
    key: str
    free: int


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    per_address: int = 10
    per_login: int = 5
    per_device: int = 5
    per_minute: int = 30  # the whole server: tries that may reach a password hash per minute
    first_delay_s: float = 2.0
    longest_delay_s: float = 300.0
    quiet_s: float = 3600.0  # a bucket with no try for this long starts afresh

    def buckets(self, login: str, address: str, device: str | None, now: datetime) -> list[Bucket]:
        """What a try must reserve. `device`: the id of a trusted device of this very login."""
        if device is not None:
            return [Bucket(Scope.DEVICE, device, self.per_device)]
        minute = str(int(now.timestamp()) // 60)
        return [
            Bucket(Scope.ADDRESS, address, self.per_address),
            Bucket(Scope.GLOBAL, minute, self.per_minute),
            Bucket(Scope.LOGIN, login, self.per_login),
        ]


def delay_s(tries: int, free: int, first_s: float, longest_s: float) -> float:
    """The wait after the n-th try of a bucket (the rule of SQL chotdon_login_blocked_until)."""
    if tries < free:
        return 0.0
    return min(longest_s, first_s * float(2 ** min(tries - free, 30)))


def retry_after_s(waits_s: list[float]) -> int:
    """Whole seconds until every refusing bucket lets a try through again (at least 1)."""
    return max(1, math.ceil(max(waits_s, default=0.0)))


def wait_text(seconds: int) -> str:
    """How long to wait, in Vietnamese for the login page."""
    if seconds < 60:
        return f"{seconds} giây"
    return f"{math.ceil(seconds / 60)} phút"


@dataclass(frozen=True, slots=True)
class LoginAttacks:
    """Refused logins of the last hour, for the director's dashboard."""

    own_wrong: int  # wrong passwords for this cooperative's logins
    own_refused: int  # tries for them turned away while delayed
    all_wrong: int  # the same across the whole server (unknown login names included)
    all_refused: int
    delayed: tuple[str, ...]  # this cooperative's logins delayed right now


DELAYED_TEXT = (
    "Tài khoản đang bị tạm hoãn đăng nhập vì nhiều lần thử sai: {names}. Đăng nhập từ máy đã "
    "dùng trước đây, hoặc mở khóa ở trang Nhân viên (/cai-dat/nhan-vien)."
)
OWN_TEXT = (
    "Trong 1 giờ qua có {count} lần đăng nhập sai vào tài khoản của hợp tác xã "
    "({refused} lần bị chặn trước khi kiểm tra mật khẩu)."
)
SERVER_TEXT = "Máy chủ đang bị dò mật khẩu: {count} lần đăng nhập sai hoặc bị chặn trong 1 giờ qua."


def login_alerts(attacks: LoginAttacks) -> list[Alert]:
    """What the director should know, in Vietnamese; nothing on a quiet hour."""
    alerts: list[Alert] = []
    if attacks.delayed:
        alerts.append(Alert(Level.DANGER, DELAYED_TEXT.format(names=", ".join(attacks.delayed))))
    own = attacks.own_wrong + attacks.own_refused
    if own:
        text = OWN_TEXT.format(count=own, refused=attacks.own_refused)
        alerts.append(Alert(Level.WARN, text))
    everyone = attacks.all_wrong + attacks.all_refused
    if everyone >= ATTACK_NOTICE_TRIES:
        alerts.append(Alert(Level.WARN, SERVER_TEXT.format(count=everyone)))
    return alerts
