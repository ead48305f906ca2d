"""Pure rules of connecting a channel by logging in at its platform: the state's fingerprint,
what the director reads about an attempt, and when a channel needs a new login."""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass

RECONNECT_WARN_S = 14 * 86_400  # warn this long before a login runs out
LOGIN_PLATFORMS = ("facebook", "zalo", "tiktok")
PLATFORM_NAMES = {"facebook": "Facebook", "zalo": "Zalo OA", "tiktok": "TikTok Shop"}
# Where one tap starts (again) the login of a platform.
START_PATHS = {p: f"/cai-dat/kenh/{p}/ket-noi" for p in LOGIN_PLATFORMS}

PROBLEM_TEXT = {
    "interrupted": "Lần kết nối bị gián đoạn. Hãy kết nối lại.",
    "expired": "Quá thời gian đăng nhập. Hãy kết nối lại.",
    "refused": "Bạn đã từ chối cấp quyền trên nền tảng.",
    "no_pages": "Tài khoản Facebook này không quản lý Trang nào, hoặc chưa cấp quyền Trang nào.",
    "no_shops": "Tài khoản TikTok Shop này chưa ủy quyền cửa hàng nào.",
    "none_picked": "Chưa chọn Trang nào.",
    "platform": "Nền tảng không chấp nhận lần đăng nhập này. Hãy thử lại sau ít phút.",
    "unreachable": "Không kết nối được tới nền tảng. Hãy thử lại sau ít phút.",
    "taken": "Kênh này đã được một hợp tác xã khác kết nối.",
}
STATUS_TEXT = {
    "started": "đang chờ đăng nhập",
    "picking": "đang chọn Trang",
    "connected": "đã kết nối",
    "failed": "không thành công",
}


def new_state() -> str:
    """The `state` sent to the platform: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def state_hash(state: str) -> bytes:
    """What is stored of a state (it travels in URLs and logs of proxies)."""
    return hashlib.sha256(state.encode("utf-8", "replace")).digest()


def problem_text(problem: str | None) -> str:
    return PROBLEM_TEXT.get(problem or "", PROBLEM_TEXT["platform"] if problem else "")


class Renewal(enum.StrEnum):
    FINE = "fine"
    SOON = "soon"
    DUE = "due"


@dataclass(frozen=True, slots=True)
class LoginHealth:
    renewal: Renewal
    days_left: int | None


def login_health(status: str, reconnect_by: int | None, now: float) -> LoginHealth:
    """Whether a channel needs its director to log in again: disconnected, or its login runs out
    (`reconnect_by`, unix seconds: a TikTok refresh token's end) within RECONNECT_WARN_S."""
    if status == "disconnected":
        return LoginHealth(Renewal.DUE, None)
    if reconnect_by is None:
        return LoginHealth(Renewal.FINE, None)
    left = reconnect_by - now
    days = max(0, int(left // 86_400))
    if left <= 0:
        return LoginHealth(Renewal.DUE, 0)
    return LoginHealth(Renewal.SOON if left <= RECONNECT_WARN_S else Renewal.FINE, days)


# Page tasks (Graph API /me/accounts `tasks`) chotdon's work needs: reading and hiding comments
# (MODERATE) and private replies / Messenger (MESSAGING); MANAGE includes both.
NEEDED_TASKS = {"MODERATE": "kiểm duyệt bình luận", "MESSAGING": "nhắn tin"}


def missing_tasks(tasks: tuple[str, ...]) -> str:
    """The needed Page tasks the person lacks, in Vietnamese ("" when none, or none listed)."""
    if not tasks or "MANAGE" in tasks:
        return ""
    return ", ".join(text for task, text in NEEDED_TASKS.items() if task not in tasks)
