"""E-invoice export, pure: a period's sales as the tax authority's invoice XML (no I/O).

The format follows the invoice data standard of the General Department of Taxation (Decision
1450/QĐ-TCT of 7 October 2021, amended by 1510/QĐ-TCT; it implements Decree 123/2020/NĐ-CP as
amended by Decree 70/2025/NĐ-CP, and Circular 78/2021/TT-BTC, now Circular 32/2025/TT-BTC;
its element names: HDon / DLHDon / TTChung / NDHDon / NBan / NMua / DSHHDVu / HHDVu / TToan),
which Vietnamese e-invoice providers (MISA meInvoice, Viettel S-Invoice, VNPT, ...) import. A
household selling to consumers issues a sales invoice (HÓA ĐƠN BÁN HÀNG, template 2). The file
holds unsigned, unnumbered drafts in a DSHDon list: the provider numbers (SHDon), signs (DSCKS)
and sends them to the tax authority; chotdon never signs for the cooperative.

Personal data: a consumer's invoice needs no phone or address, so none is written (the buyer's
name only, as on a shop receipt).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from xml.etree import ElementTree as ET

FORMAT_VERSION = "2.0.0"  # PBan as in published invoices of the 1450/1510 standard
INVOICE_TITLE = "HÓA ĐƠN BÁN HÀNG"
TEMPLATE = "2"  # KHMSHDon 2: sales invoice (households and direct-method sellers)


@dataclass(frozen=True, slots=True)
class Seller:
    name: str
    tax_code: str
    address: str
    series: str  # KHHDon, e.g. C26MCD: the provider's series for invoices from a cash register


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    code: str
    name: str
    unit: str
    qty: int
    unit_price_vnd: int
    kind: int = 1  # TChat 1 goods, 3 discount line

    @property
    def amount_vnd(self) -> int:
        return self.qty * self.unit_price_vnd


@dataclass(frozen=True, slots=True)
class DraftInvoice:
    order_no: str
    issued_on: date
    buyer_name: str
    payment: str  # HTTToan text: TM/CK, CK, or the platform
    lines: tuple[InvoiceLine, ...]
    total_vnd: int


TAX_CODE = re.compile(r"[0-9]{10}(-[0-9]{3})?|[0-9]{12}")  # MST, or a household's 12-digit ID
# KHHDon: C/K (with/without the tax authority's code), 2-digit year, invoice kind (M: from a cash
# register), 2 letters the seller chooses; the pattern of the schema in schema/einvoice/.
SERIES = re.compile(r"[CK][0-9]{2}[TDLMNBGHX][A-Z0-9]{2}")


def seller_errors(values: Mapping[str, str]) -> dict[str, str]:
    """The director's e-invoice details, each wrong field with a Vietnamese message."""
    errors = {}
    if not TAX_CODE.fullmatch(values.get("tax_code", "")):
        errors["tax_code"] = (
            "Mã số thuế gồm 10 số (hoặc 10 số-3 số), hộ kinh doanh có thể dùng 12 số CCCD."
        )
    if not 5 <= len(values.get("address", "")) <= 400:
        errors["address"] = "Nhập địa chỉ kinh doanh (5–400 ký tự)."
    if not SERIES.fullmatch(values.get("series", "")):
        errors["series"] = (
            "Ký hiệu hoá đơn gồm 6 ký tự, ví dụ C26MAB (lấy từ nhà cung cấp hoá đơn)."
        )
    return errors


def invoice_lines(
    items: Sequence[dict[str, object]], shipping_vnd: int, discount_vnd: int
) -> tuple[InvoiceLine, ...]:
    """An order's counted lines, then delivery as a service line and the discount as TChat 3."""
    lines = [
        InvoiceLine(
            str(i.get("code", "")), _item_name(i), "cái", int(str(i["qty"])), int(str(i["price"]))
        )
        for i in items
    ]
    if shipping_vnd:
        lines.append(InvoiceLine("SHIP", "Phí giao hàng", "lần", 1, shipping_vnd))
    if discount_vnd:
        lines.append(InvoiceLine("KM", "Chiết khấu thương mại", "lần", 1, discount_vnd, kind=3))
    return tuple(lines)


def _item_name(item: dict[str, object]) -> str:
    variant = str(item.get("variant") or "")
    return f"{item['name']} ({variant})" if variant else str(item["name"])


def _sub(parent: ET.Element, tag: str, text: object | None = None) -> ET.Element:
    node = ET.SubElement(parent, tag)
    if text is not None:
        node.text = str(text)
    return node


def _invoice(root: ET.Element, seller: Seller, draft: DraftInvoice) -> None:
    data = _sub(_sub(root, "HDon"), "DLHDon", None)
    data.set("Id", f"chotdon-{draft.order_no}")
    general = _sub(data, "TTChung")
    for tag, value in (("PBan", FORMAT_VERSION), ("THDon", INVOICE_TITLE),
                       ("KHMSHDon", TEMPLATE), ("KHHDon", seller.series),
                       ("NLap", draft.issued_on.isoformat()), ("DVTTe", "VND"),
                       ("TGia", "1"), ("HTTToan", draft.payment)):  # fmt: skip
        _sub(general, tag, value)
    extra = _sub(_sub(general, "TTKhac"), "TTin")
    _sub(extra, "TTruong", "Số đơn chotdon")
    _sub(extra, "KDLieu", "string")
    _sub(extra, "DLieu", draft.order_no)
    content = _sub(data, "NDHDon")
    seller_node = _sub(content, "NBan")
    _sub(seller_node, "Ten", seller.name)
    _sub(seller_node, "MST", seller.tax_code)
    _sub(seller_node, "DChi", seller.address)
    buyer = _sub(content, "NMua")
    _sub(buyer, "HVTNMHang", draft.buyer_name or "Người mua không lấy hoá đơn")
    goods = _sub(content, "DSHHDVu")
    for number, line in enumerate(draft.lines, start=1):
        row = _sub(goods, "HHDVu")
        cells: tuple[tuple[str, object], ...] = (
            ("TChat", line.kind), ("STT", number), ("MHHDVu", line.code), ("THHDVu", line.name),
            ("DVTinh", line.unit), ("SLuong", line.qty), ("DGia", line.unit_price_vnd),
            ("ThTien", line.amount_vnd),
        )  # fmt: skip
        for tag, cell in cells:
            _sub(row, tag, cell)
    totals = _sub(content, "TToan")
    _sub(totals, "TgTCThue", draft.total_vnd)
    _sub(totals, "TgTThue", 0)  # a household's sales invoice carries no VAT line
    _sub(totals, "TgTTTBSo", draft.total_vnd)
    _sub(totals, "TgTTTBChu", amount_in_words(draft.total_vnd))


def invoices_xml(seller: Seller, drafts: Sequence[DraftInvoice]) -> bytes:
    """The drafts as one UTF-8 XML document <DSHDon><HDon>…</HDon>…</DSHDon>."""
    root = ET.Element("DSHDon")
    for draft in drafts:
        _invoice(root, seller, draft)
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document


DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
GROUPS = ("", " nghìn", " triệu", " tỷ")


def _three(n: int, full: bool) -> str:
    """0-999 in words; full: write leading 'không trăm' (a group after a higher one)."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if hundreds or full:
        words += [DIGITS[hundreds], "trăm"]
    if tens > 1:
        words += [DIGITS[tens], "mươi"]
    elif tens == 1:
        words.append("mười")
    elif units and words:
        words.append("linh")
    if units:
        if units == 1 and tens > 1:
            words.append("mốt")
        elif units == 5 and tens:
            words.append("lăm")
        elif units == 4 and tens > 1:
            words.append("tư")
        else:
            words.append(DIGITS[units])
    return " ".join(words)


def amount_in_words(amount: int) -> str:
    """180000 -> 'Một trăm tám mươi nghìn đồng.' (the invoice's total in words)."""
    if amount == 0:
        return "Không đồng."
    parts: list[str] = []
    billions, rest = divmod(amount, 1_000_000_000)
    if billions:
        parts.append(amount_in_words(billions).removesuffix(" đồng.").lower() + " tỷ")
    groups = [rest // 1_000_000, rest // 1000 % 1000, rest % 1000]
    for index, group in enumerate(groups):
        if group:
            text = _three(group, full=bool(parts))
            parts.append(text + GROUPS[2 - index])
    sentence = " ".join(parts)
    return sentence[:1].upper() + sentence[1:] + " đồng."
