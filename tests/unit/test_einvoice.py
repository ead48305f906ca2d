"""The e-invoice export: the XML validates against schema/einvoice/dshdon.xsd, totals in words,
no phone or address of the buyer, and the schema refuses what a provider would."""

from __future__ import annotations

from datetime import date

from aggregator.core.einvoice import (
    DraftInvoice,
    Seller,
    amount_in_words,
    invoice_lines,
    invoices_xml,
    seller_errors,
)
from aggregator.staff.einvoice_schema import invoice_errors

SELLER = Seller("HTX Nông sản Thái Bình", "1000123456", "Xã Vũ Thư, Thái Bình", "C26MAB")


def _draft(no: str = "D0001") -> DraftInvoice:
    items: list[dict[str, object]] = [
        {"code": "A01", "name": "Gạo ST25 túi 5kg", "variant": "", "qty": 2, "price": 180_000},
        {"code": "B02", "name": "Mật ong", "variant": "500ml", "qty": 1, "price": 150_000},
    ]
    lines = invoice_lines(items, shipping_vnd=30_000, discount_vnd=20_000)
    return DraftInvoice(no, date(2026, 3, 1), "Nguyễn Thị Lan", "TM", lines, 520_000)


def test_export_validates_against_the_schema() -> None:
    document = invoices_xml(SELLER, [_draft("D0001"), _draft("D0002")])
    assert invoice_errors(document) == []
    text = document.decode()
    assert text.startswith("<?xml") and text.count("<HDon>") == 2
    assert "<KHMSHDon>2</KHMSHDon>" in text and "<MST>1000123456</MST>" in text
    assert "<THHDVu>Mật ong (500ml)</THHDVu>" in text and "<TChat>3</TChat>" in text
    assert "<TgTTTBChu>Năm trăm hai mươi nghìn đồng.</TgTTTBChu>" in text
    assert "091" not in text and "DChi>Xã Vũ Thư" in text  # only the seller has an address


def test_the_schema_refuses_a_broken_invoice() -> None:
    bad = Seller("HTX", "12AB", "Thái Bình", "C26MAB")
    assert invoice_errors(invoices_xml(bad, [_draft()]))  # tax code pattern
    empty = DraftInvoice("D1", date(2026, 3, 1), "", "TM", (), 0)
    assert invoice_errors(invoices_xml(SELLER, [empty]))  # an invoice needs a line


def test_seller_errors_name_each_field() -> None:
    assert (
        seller_errors({"tax_code": "1000123456", "address": "Thái Bình", "series": "C26MAB"}) == {}
    )
    errors = seller_errors({"tax_code": "123", "address": "", "series": "X"})
    assert set(errors) == {"tax_code", "address", "series"}


def test_amount_in_words() -> None:
    assert amount_in_words(0) == "Không đồng."
    assert amount_in_words(180_000) == "Một trăm tám mươi nghìn đồng."
    assert amount_in_words(1_005_000) == "Một triệu không trăm linh năm nghìn đồng."
    assert amount_in_words(21_000) == "Hai mươi mốt nghìn đồng."
    assert amount_in_words(15_000) == "Mười lăm nghìn đồng."
    assert amount_in_words(2_500_000_000) == "Hai tỷ năm trăm triệu đồng."
    assert amount_in_words(1_000_000_024) == "Một tỷ không trăm hai mươi tư đồng."
