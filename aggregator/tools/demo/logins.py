"""Staff accounts of the demo cooperative, one per role, with a fresh password each run."""

from __future__ import annotations

import secrets

import asyncpg

from aggregator.staff.accounts import add_staff, hash_password
from aggregator.tools.demo.seed import TENANT_SLUG
from aggregator.web.staff_auth import LOGIN_PATH
from schema.enums import StaffRole

DEMO_LOGINS = {
    "giamdoc": StaffRole.DIRECTOR,
    "nhanvien": StaffRole.STAFF,
    "donggoi": StaffRole.PACKER,
}
ROLE_NAMES = {
    StaffRole.DIRECTOR: "giám đốc",
    StaffRole.STAFF: "nhân viên",
    StaffRole.PACKER: "đóng gói",
}


async def demo_logins(pool: asyncpg.Pool) -> list[tuple[str, StaffRole, str]]:
    """(login, role, password) for each demo account; existing accounts get a new password."""
    accounts = []
    for login, role in DEMO_LOGINS.items():
        password = secrets.token_urlsafe(9)
        changed = await pool.execute(
            "UPDATE staff SET password_hash = $2, active = true WHERE lower(login) = $1",
            login,
            hash_password(password),
        )
        if changed == "UPDATE 0":
            await add_staff(pool, TENANT_SLUG, login, role, password)
        accounts.append((login, role, password))
    return accounts


# Where each account starts after logging in, and what to try there first (README "Thử ngay").
START_PAGES = {
    StaffRole.DIRECTOR: ("/bang-dieu-khien", "bảng điều khiển, sản phẩm, phiên live"),
    StaffRole.STAFF: ("/don", "đơn chờ xác nhận, bình luận chưa rõ /chua-ro"),
    StaffRole.PACKER: ("/dong-goi", "đơn chờ đóng gói"),
}


def format_logins(base_url: str, accounts: list[tuple[str, StaffRole, str]]) -> str:
    """The first thing a person reads: the login page, and right beside it each login, its
    password and the page it opens on."""
    lines = [
        f"chotdon is running: {base_url}{LOGIN_PATH}  (Ctrl-C to stop)",
        f"Đăng nhập tại {base_url}{LOGIN_PATH} với một trong các tài khoản:",
    ]
    for login, role, password in accounts:
        path, what = START_PAGES[role]
        lines.append(f"  {login:<9} / {password}  ({ROLE_NAMES[role]}: {what}) {base_url}{path}")
    return "\n".join(lines)


def format_buyer_link(base_url: str, token: str, order_id: int) -> str:
    return (
        f"Thử làm người mua: mở {base_url}/o/{token} trên điện thoại "
        f"(đơn #{order_id}, chưa ai xác nhận: đổi số lượng, nhập địa chỉ, xác nhận)"
    )
