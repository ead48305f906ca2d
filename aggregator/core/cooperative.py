"""A cooperative's own details as its director types them, checked. Pure: no I/O.

Used by the first-run page, the host's "new cooperative" page and `chotdon tenant add` (a new
cooperative and its director), and by the settings pages (profile, pickup address, VietQR bank
account). Every message is Vietnamese: it is shown next to the field it is about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from aggregator.core.parser.normalize import fold
from aggregator.errors import BadInputError

MIN_PASSWORD_CHARS = 10  # as aggregator.staff.accounts
MAX_NAME = 120
_TAX_CODE = re.compile(r"^[0-9]{10}(-[0-9]{3})?$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_LOGIN = re.compile(r"^[A-Za-z0-9._-]{3,64}$")
_BIN = re.compile(r"^[0-9]{6}$")
_ACCOUNT = re.compile(r"^[0-9A-Za-z]{1,19}$")
# Banks buyers of cooperatives pay into most, with their NAPAS BIN (VietQR's bank id). Any other
# bank: its BIN typed by hand on the settings page.
BANKS: tuple[tuple[str, str], ...] = (
    ("970405", "Agribank (Nông nghiệp và Phát triển Nông thôn)"),
    ("970446", "Co-opBank (Ngân hàng Hợp tác xã Việt Nam)"),
    ("970436", "Vietcombank"),
    ("970415", "VietinBank"),
    ("970418", "BIDV"),
    ("970407", "Techcombank"),
    ("970422", "MB (Quân đội)"),
    ("970416", "ACB (Á Châu)"),
    ("970432", "VPBank"),
    ("970403", "Sacombank"),
    ("970423", "TPBank"),
    ("970449", "LPBank (Lộc Phát)"),
    ("970437", "HDBank"),
    ("970441", "VIB"),
    ("970443", "SHB"),
)


class CooperativeFormError(BadInputError):
    """One or more fields cannot be used: `errors` maps each field to its Vietnamese message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class Pickup:
    """Where couriers pick parcels up: tenants.settings.sender (shipping/request.py reads it)."""

    name: str
    phone: str
    street: str
    ward: str
    province: str

    def as_settings(self) -> dict[str, str]:
        return {"name": self.name, "phone": self.phone, "address": self.street,
                "ward": self.ward, "province": self.province}  # fmt: skip

    @classmethod
    def of(cls, settings: dict[str, Any] | None) -> Pickup:
        raw = (settings or {}).get("sender") or {}
        return cls(*(str(raw.get(k) or "") for k in ("name", "phone", "address", "ward",
                                                      "province")))  # fmt: skip


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    province: str
    tax_code: str
    pickup: Pickup


@dataclass(frozen=True, slots=True)
class Director:
    display_name: str
    login: str
    password: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class NewCooperative:
    slug: str
    profile: Profile
    director: Director


def slug_for(name: str) -> str:
    """A cooperative's address-safe short name from its name: "HTX Mật ong Tam Đảo" ->
    "htx-mat-ong-tam-dao" (at most 40 characters)."""
    words = re.sub(r"[^a-z0-9]+", "-", fold(name).lower()).strip("-")
    slug = words[:40].rstrip("-")
    return slug if _SLUG.match(slug) else f"htx-{slug}".rstrip("-")[:40]


def phone_of(text: str) -> str | None:
    digits = "".join(c for c in text if c.isdigit())
    if digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if len(digits) == 10 and digits.startswith("0") else None


def _text(form: dict[str, str], key: str) -> str:
    return " ".join(form.get(key, "").split())


def profile_from_form(form: dict[str, str], provinces: frozenset[str]) -> Profile:
    """The profile part of a form: name, province, tax code and pickup address."""
    errors: dict[str, str] = {}
    name, province = _text(form, "name"), _text(form, "province")
    if not name or len(name) > MAX_NAME:
        errors["name"] = f"Hãy nhập tên hợp tác xã (tối đa {MAX_NAME} ký tự)."
    if province not in provinces:
        errors["province"] = "Hãy chọn tỉnh / thành phố trong danh sách."
    tax_code = _text(form, "tax_code").replace(" ", "")
    if tax_code and not _TAX_CODE.match(tax_code):
        errors["tax_code"] = "Mã số thuế gồm 10 chữ số (chi nhánh: 10 chữ số, gạch ngang, 3 số)."
    phone = phone_of(form.get("phone", ""))
    if phone is None:
        errors["phone"] = "Số điện thoại lấy hàng gồm 10 chữ số, bắt đầu bằng 0."
    street, ward = _text(form, "street"), _text(form, "ward")
    if not street or len(street) > 200:
        errors["street"] = "Hãy nhập số nhà, thôn / xóm, đường nơi shipper đến lấy hàng."
    if not ward or len(ward) > 100:
        errors["ward"] = "Hãy nhập xã / phường nơi lấy hàng."
    if errors:
        raise CooperativeFormError(errors)
    return Profile(name, province, tax_code, Pickup(name, phone or "", street, ward, province))


def director_from_form(form: dict[str, str]) -> Director:
    errors: dict[str, str] = {}
    display_name, login = _text(form, "director_name"), form.get("login", "").strip()
    password = form.get("password", "")
    if not display_name or len(display_name) > 80:
        errors["director_name"] = "Hãy nhập họ tên giám đốc."
    if not _LOGIN.match(login):
        errors["login"] = (
            "Tên đăng nhập dài 3–64 ký tự, chỉ gồm chữ không dấu, số, dấu chấm, gạch dưới."
        )
    if len(password) < MIN_PASSWORD_CHARS:
        errors["password"] = f"Mật khẩu cần ít nhất {MIN_PASSWORD_CHARS} ký tự."
    elif form.get("password2", password) != password:
        errors["password2"] = "Hai lần nhập mật khẩu không giống nhau."
    if errors:
        raise CooperativeFormError(errors)
    return Director(display_name, login, password)


def new_cooperative(form: dict[str, str], provinces: frozenset[str]) -> NewCooperative:
    """The whole set-up form at once (every field's error together)."""
    errors: dict[str, str] = {}
    profile = director = None
    try:
        profile = profile_from_form(form, provinces)
    except CooperativeFormError as exc:
        errors.update(exc.errors)
    try:
        director = director_from_form(form)
    except CooperativeFormError as exc:
        errors.update(exc.errors)
    slug = form.get("slug", "").strip().lower() or slug_for(_text(form, "name"))
    if not _SLUG.match(slug):
        errors["slug"] = "Tên viết tắt dài 2–63 ký tự: chữ thường không dấu, số, gạch ngang."
    if errors or profile is None or director is None:
        raise CooperativeFormError(errors)
    return NewCooperative(slug, profile, director)


@dataclass(frozen=True, slots=True)
class VietQrAccount:
    """The account buyers transfer to (tenants.settings.vietqr, confirmation/view.bank_of)."""

    bank_bin: str
    account_no: str
    account_name: str

    def as_settings(self) -> dict[str, str]:
        return {"bank_bin": self.bank_bin, "account_no": self.account_no,
                "account_name": self.account_name}  # fmt: skip


def account_name_text(name: str) -> str:
    """Account holders' names are printed by banks in capitals without marks."""
    return " ".join(fold(name).upper().split())


def vietqr_from_form(form: dict[str, str]) -> VietQrAccount:
    errors: dict[str, str] = {}
    bank_bin = (form.get("other_bin", "").strip() or form.get("bank_bin", "")).strip()
    if not _BIN.match(bank_bin):
        errors["bank_bin"] = "Hãy chọn ngân hàng (hoặc nhập mã BIN 6 chữ số của ngân hàng)."
    account = re.sub(r"[\s.\-]", "", form.get("account_no", ""))
    if not _ACCOUNT.match(account):
        errors["account_no"] = "Số tài khoản gồm tối đa 19 chữ hoặc số."
    holder = account_name_text(form.get("account_name", ""))
    if not holder or len(holder) > 50:
        errors["account_name"] = "Hãy nhập tên chủ tài khoản (tối đa 50 ký tự)."
    if errors:
        raise CooperativeFormError(errors)
    return VietQrAccount(bank_bin, account, holder)


def bank_name(bank_bin: str) -> str:
    return dict(BANKS).get(bank_bin, f"ngân hàng mã {bank_bin}" if bank_bin else "")
