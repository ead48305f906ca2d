"""Staff accounts of the demo cooperative, one per role, with a fresh password each run."""

from __future__ import annotations

import secrets

import asyncpg

from aggregator.staff.accounts import add_staff, hash_password
from aggregator.tools.demo.seed import TENANT_SLUG
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


def format_logins(base_url: str, accounts: list[tuple[str, StaffRole, str]]) -> str:
    lines = [
        f"Bảng điều khiển (giám đốc): {base_url}/bang-dieu-khien",
        f"Đóng gói: {base_url}/dong-goi",
        f"Đăng nhập nhân viên: {base_url}/dang-nhap",
    ]
    lines += [
        f"  {login:<9} / {password}  ({ROLE_NAMES[role]})" for login, role, password in accounts
    ]
    return "\n".join(lines)
