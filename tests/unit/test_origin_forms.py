"""Batch and certificate forms: every wrong field named in Vietnamese; file types by content."""

from __future__ import annotations

from datetime import date

from aggregator.core.origin import (
    BatchInput,
    CertificateInput,
    batch_from_form,
    certificate_file_type,
    certificate_from_form,
    public_code,
)


def test_a_good_batch() -> None:
    form = {"code": " L2026-11-A ", "variant": "5kg", "harvested_on": "2026-10-20",
            "packed_on": "2026-10-25", "expires_on": "2027-10-25", "quantity": "120",
            "place": "Cánh đồng thôn Đông"}  # fmt: skip
    batch = batch_from_form(form, ("5kg", "10kg"))
    assert batch == BatchInput("L2026-11-A", "5kg", date(2026, 10, 20), date(2026, 10, 25),
                               date(2027, 10, 25), 120, "Cánh đồng thôn Đông", "")  # fmt: skip


def test_a_bad_batch_names_each_field() -> None:
    form = {"code": "", "variant": "1kg", "harvested_on": "2026-10-25", "packed_on": "2026-10-20",
            "expires_on": "25/10/2027", "quantity": "-3"}  # fmt: skip
    errors = batch_from_form(form, ("5kg",))
    assert isinstance(errors, dict)
    assert set(errors) == {"code", "variant", "packed_on", "expires_on", "quantity"}
    assert "dạng 2026-11-25" in errors["expires_on"]


def test_certificates() -> None:
    ocop = certificate_from_form({"kind": "ocop", "number": "OCOP-TB-2024-012", "stars": "4"})
    assert isinstance(ocop, CertificateInput) and ocop.stars == 4
    gap = certificate_from_form({"kind": "vietgap", "number": "VG-01", "stars": "4"})
    assert isinstance(gap, CertificateInput) and gap.stars is None  # stars are OCOP's only
    errors = certificate_from_form({"kind": "ocop", "number": "", "issued_on": "2026-05-01",
                                    "expires_on": "2025-05-01"})  # fmt: skip
    assert isinstance(errors, dict) and set(errors) == {"number", "stars", "expires_on"}


def test_file_types_and_codes() -> None:
    assert certificate_file_type(b"%PDF-1.7 ...") == "application/pdf"
    assert certificate_file_type(b"\xff\xd8\xff\xe0") == "image/jpeg"
    assert certificate_file_type(b"<html>") is None
    codes = {public_code() for _ in range(50)}
    assert len(codes) == 50 and all(len(c) >= 16 for c in codes)
