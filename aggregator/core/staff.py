"""Staff web app rules, pure: who may open what, the CSRF compare, search helpers.

No I/O here: the web layer reads the session, then asks these (login limits: login_limits.py).
"""

from __future__ import annotations

import hashlib
import hmac
from enum import StrEnum

from schema.enums import StaffRole


class Area(StrEnum):
    ORDERS = "orders"  # the order queue and order pages
    PACKING = "packing"  # claim, pick list, scan
    DASHBOARD = "dashboard"  # the director's live dashboard
    REPORTS = "reports"  # sales and tax reports, exports (director only)
    SETUP = "setup"  # catalogue, channels, live setup (director only)
    BLOCKLIST = "blocklist"  # the buyers the cooperative no longer sends COD to (director only)
    PRIVACY = "privacy"  # buyers' requests, retention, breach log, access log (director only)


ROLE_AREAS: dict[StaffRole, frozenset[Area]] = {
    StaffRole.DIRECTOR: frozenset(Area),
    StaffRole.STAFF: frozenset({Area.ORDERS, Area.PACKING}),
    StaffRole.PACKER: frozenset({Area.PACKING}),
}


def may_open(role: StaffRole, area: Area) -> bool:
    return area in ROLE_AREAS[role]


def home_path(role: StaffRole) -> str:
    """Where a staff member lands after logging in."""
    return "/don" if may_open(role, Area.ORDERS) else "/dong-goi"


def tokens_match(expected: str, given: str) -> bool:
    """Constant-time compare of a CSRF token (an empty expected token never matches)."""
    if not expected:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def token_hash(token: str) -> str:
    """What the database keeps of a session token: its SHA-256, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def normalized_login(login: str) -> str:
    return login.strip().lower()


def like_pattern(text: str) -> str:
    """A search text as an ILIKE 'contains' pattern, its wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def phone_digits(text: str) -> str | None:
    """A typed phone number (+84 912 345 678, 0912.345.678) as stored (0912345678), else None."""
    digits = "".join(c for c in text if c.isdigit())
    if digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if len(digits) == 10 and digits.startswith("0") else None


def scan_matches(order_no: str, scanned: str) -> bool:
    """A keyboard-wedge scan (maybe with spaces or a lower-case prefix) names this order."""
    return bool(order_no) and scanned.strip().upper() == order_no.upper()
