"""Staff accounts of the demo cooperative, one per role, with a fresh password each run."""

from __future__ import annotations

import secrets

import asyncpg

from aggregator.staff.accounts import add_staff, hash_password
from aggregator.staff.host import add_host
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


HOST_LOGIN = "maychu"  # the host role: every cooperative's health, none of their orders
HOST_LOGIN_PATH = "/may-chu/dang-nhap"


async def demo_host(pool: asyncpg.Pool) -> tuple[str, str]:
    """(login, password) of the demo installation's host account, with a fresh password."""
    password = secrets.token_urlsafe(9)
    changed = await pool.execute(
        "UPDATE host_accounts SET password_hash = $2, active = true WHERE login = $1",
        HOST_LOGIN,
        hash_password(password),
    )
    if changed == "UPDATE 0":
        await add_host(pool, HOST_LOGIN, "Quản trị máy chủ", password)
    return HOST_LOGIN, password


# Where each account starts after logging in, and what to try there first (README "Thử ngay").
START_PAGES = {
    StaffRole.DIRECTOR: ("/bang-dieu-khien", "bảng điều khiển, sản phẩm, phiên live"),
    StaffRole.STAFF: ("/don", "đơn chờ xác nhận, bình luận chưa rõ /chua-ro"),
    StaffRole.PACKER: ("/dong-goi", "đơn chờ đóng gói"),
}


def format_logins(
    base_url: str,
    accounts: list[tuple[str, StaffRole, str]],
    host: tuple[str, str] | None = None,
) -> str:
    """The first thing a person reads: the login page, and right beside it each login, its
    password and the page it opens on; then the host's own login page, if there is one."""
    lines = [
        f"chotdon is running: {base_url}{LOGIN_PATH}  (Ctrl-C to stop)",
        f"Đăng nhập tại {base_url}{LOGIN_PATH} với một trong các tài khoản:",
    ]
    for login, role, password in accounts:
        path, what = START_PAGES[role]
        lines.append(f"  {login:<9} / {password}  ({ROLE_NAMES[role]}: {what}) {base_url}{path}")
    if host is not None:
        login, password = host
        what = "máy chủ: sức khoẻ các hợp tác xã"
        lines.append(f"  {login:<9} / {password}  ({what}) {base_url}{HOST_LOGIN_PATH}")
    return "\n".join(lines)


def format_buyer_link(base_url: str, token: str, order_id: int) -> str:
    return (
        f"Thử làm người mua: mở {base_url}/o/{token} trên điện thoại "
        f"(đơn #{order_id}, chưa ai xác nhận: đổi số lượng, nhập địa chỉ, xác nhận)"
    )
