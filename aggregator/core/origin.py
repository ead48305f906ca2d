"""Origin a buyer can check, pure: the checks of a batch and a certificate form (no I/O).

A batch is one harvest or production run of a product (and variant): harvest or production day,
packing day, expiry, quantity, place. A certificate is an OCOP rating (3-5 stars), a VietGAP or
organic certificate, or another one, with its number and optionally the scanned file. Messages
are Vietnamese, for the director.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

MAX_BATCH_QTY = 1_000_000
CERT_FILE_MAX_BYTES = 5 * 1024 * 1024
CERT_FILE_TYPES = {b"%PDF-": "application/pdf", b"\x89PNG\r\n\x1a\n": "image/png",
                   b"\xff\xd8\xff": "image/jpeg"}  # fmt: skip
CERT_KIND_TEXT = {"ocop": "OCOP", "vietgap": "VietGAP", "organic": "Hữu cơ",
                  "other": "Chứng nhận khác"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class BatchInput:
    code: str
    variant: str
    harvested_on: date | None
    packed_on: date | None
    expires_on: date | None
    quantity: int
    place: str
    note: str


@dataclass(frozen=True, slots=True)
class CertificateInput:
    kind: str
    number: str
    issuer: str
    stars: int | None
    issued_on: date | None
    expires_on: date | None


def public_code() -> str:
    """The unguessable code in a batch's public origin address (and the slip's QR)."""
    return secrets.token_urlsafe(12)


def _day(form: Mapping[str, str], name: str, label: str, errors: dict[str, str]) -> date | None:
    text = form.get(name, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = f"{label} không hợp lệ (dạng 2026-11-25)."
        return None


def _text(form: Mapping[str, str], name: str, limit: int) -> str:
    return " ".join(form.get(name, "").split())[:limit]


def batch_from_form(
    form: Mapping[str, str], variants: tuple[str, ...]
) -> BatchInput | dict[str, str]:
    """The batch, or {field: message} for every field that is wrong."""
    errors: dict[str, str] = {}
    code = _text(form, "code", 40)
    if not code:
        errors["code"] = "Nhập số lô (ví dụ L2026-11-A)."
    variant = _text(form, "variant", 40)
    if variant and variant not in variants:
        errors["variant"] = "Loại này không có trong sản phẩm."
    harvested = _day(form, "harvested_on", "Ngày thu hoạch/sản xuất", errors)
    packed = _day(form, "packed_on", "Ngày đóng gói", errors)
    expires = _day(form, "expires_on", "Hạn sử dụng", errors)
    if harvested and packed and packed < harvested:
        errors["packed_on"] = "Ngày đóng gói phải từ ngày thu hoạch/sản xuất trở đi."
    if packed and expires and expires < packed:
        errors["expires_on"] = "Hạn sử dụng phải sau ngày đóng gói."
    quantity_text = form.get("quantity", "").strip()
    quantity = int(quantity_text) if quantity_text.isdigit() else 0
    if not 1 <= quantity <= MAX_BATCH_QTY:
        errors["quantity"] = f"Số lượng là số nguyên từ 1 đến {MAX_BATCH_QTY:,}.".replace(",", ".")
    if errors:
        return errors
    return BatchInput(code, variant, harvested, packed, expires, quantity,
                      _text(form, "place", 200), _text(form, "note", 500))  # fmt: skip


def certificate_from_form(form: Mapping[str, str]) -> CertificateInput | dict[str, str]:
    errors: dict[str, str] = {}
    kind = form.get("kind", "")
    if kind not in CERT_KIND_TEXT:
        errors["kind"] = "Chọn loại chứng nhận."
    number = _text(form, "number", 80)
    if not number:
        errors["number"] = "Nhập số giấy chứng nhận."
    stars_text = form.get("stars", "").strip()
    stars = int(stars_text) if stars_text in {"3", "4", "5"} else None
    if kind == "ocop" and stars is None:
        errors["stars"] = "OCOP có 3, 4 hoặc 5 sao."
    issued = _day(form, "issued_on", "Ngày cấp", errors)
    expires = _day(form, "expires_on", "Ngày hết hạn", errors)
    if issued and expires and expires < issued:
        errors["expires_on"] = "Ngày hết hạn phải sau ngày cấp."
    if errors:
        return errors
    return CertificateInput(kind, number, _text(form, "issuer", 200),
                            stars if kind == "ocop" else None, issued, expires)  # fmt: skip


def certificate_file_type(data: bytes) -> str | None:
    """The type of a scanned certificate judged by its first bytes (PDF, PNG, JPEG), or None."""
    for magic, kind in CERT_FILE_TYPES.items():
        if data.startswith(magic):
            return kind
    return None


def vn_day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "chưa ghi"
