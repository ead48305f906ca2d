"""chotdon's own A6 packing slip: order number as Code128 barcode and QR, items, COD amount,
buyer masked (initials, last three digits of the phone). One page per order; bulk = many pages.

Vietnamese needs a Unicode TrueType font: DejaVu Sans ships with chotdon (fonts/), so a slip reads
the same on a slim Docker image as on a desktop; were it missing, the text is folded to plain ASCII
rather than printed as empty boxes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import code128, qr
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A6
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from unidecode import unidecode

FONT_CANDIDATES = (
    Path(__file__).parent / "fonts" / "DejaVuSans.ttf",
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
    Path("/Library/Fonts/DejaVuSans.ttf"),
)
UNICODE_FONT = "ChotdonSans"
MAX_LINES = 9


@dataclass(frozen=True, slots=True)
class SlipLine:
    name: str
    qty: int
    unit_price_vnd: int


@dataclass(frozen=True, slots=True)
class Slip:
    order_no: str
    shop_name: str
    recipient_name: str
    recipient_phone: str
    province: str
    cod_vnd: int
    lines: tuple[SlipLine, ...]
    courier: str = ""
    tracking_code: str = ""
    paid_vnd: int = 0  # bank transfers so far: the COD above is total - this
    promotion: str = ""  # the live's promotion that applied, as the buyer read it
    shipping: str = ""  # who pays delivery, when the slip should say it
    origin_urls: tuple[str, ...] = ()  # public origin pages of the batches it ships (max 2 drawn)


def mask_name(name: str) -> str:
    """ "Nguyễn Thị Lan" → "Nguyễn T. L.": enough for the packer, not a full identity."""
    words = name.split()
    if len(words) <= 1:
        return (words[0][:1] + ".") if words else ""
    return " ".join([words[0], *(w[:1] + "." for w in words[1:])])


def mask_phone(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    return "*" * max(len(digits) - 3, 0) + digits[-3:] if digits else ""


def vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đ"


@cache
def font_name() -> str:
    """Register a Unicode font once; "" when none is found (text goes ASCII)."""
    for path in FONT_CANDIDATES:
        if path.exists():
            pdfmetrics.registerFont(TTFont(UNICODE_FONT, str(path)))
            return UNICODE_FONT
    return ""


def _text(value: str) -> str:
    return value if font_name() else unidecode(value)


def _qr(canvas: Canvas, value: str, x: float, y: float, size: float) -> None:
    widget = qr.QrCodeWidget(value)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x, y)


def _draw_origins(canvas: Canvas, slip: Slip, font: str) -> None:
    """Bottom right: a QR per batch (up to two) opening its public origin page."""
    size, width = 19 * mm, A6[0]
    canvas.setFont(font, 6)
    for n, url in enumerate(slip.origin_urls[:2]):
        x = width - 4 * mm - (n + 1) * size - n * 2 * mm
        _qr(canvas, url, x, 13 * mm, size)
        canvas.drawCentredString(x + size / 2, 10.5 * mm, _text("Nguồn gốc"))


def _draw_codes(canvas: Canvas, slip: Slip, width: float, top: float) -> float:
    barcode = code128.Code128(
        slip.order_no, barHeight=13 * mm, barWidth=0.33 * mm, humanReadable=True
    )
    barcode.drawOn(canvas, 6 * mm, top - 17 * mm)
    size = 22 * mm
    _qr(canvas, slip.order_no, width - size - 4 * mm, top - size, size)
    return float(top - 25 * mm)


def _draw_slip(canvas: Canvas, slip: Slip) -> None:
    width, height = A6
    font = font_name() or "Helvetica"
    canvas.setFont(font, 8)
    canvas.drawString(6 * mm, height - 8 * mm, _text(slip.shop_name)[:48])
    canvas.setFont(font, 15)
    canvas.drawString(6 * mm, height - 15 * mm, slip.order_no)
    y = _draw_codes(canvas, slip, width, height - 18 * mm)
    canvas.setFont(font, 9)
    rows = [
        f"Người nhận: {mask_name(slip.recipient_name)}  {mask_phone(slip.recipient_phone)}",
        f"Tỉnh/thành: {slip.province}",
        f"Vận chuyển: {slip.courier.upper()} {slip.tracking_code}".rstrip(),
    ]
    for row in rows:
        canvas.drawString(6 * mm, y, _text(row)[:60])
        y -= 5 * mm
    canvas.line(6 * mm, y + 2 * mm, width - 6 * mm, y + 2 * mm)
    y -= 2 * mm
    canvas.setFont(font, 8)
    for line in slip.lines[:MAX_LINES]:
        canvas.drawString(6 * mm, y, _text(f"{line.qty} × {line.name}")[:46])
        canvas.drawRightString(width - 6 * mm, y, vnd(line.qty * line.unit_price_vnd))
        y -= 4.5 * mm
    if len(slip.lines) > MAX_LINES:
        canvas.drawString(6 * mm, y, _text(f"… và {len(slip.lines) - MAX_LINES} dòng nữa"))
    _draw_money(canvas, slip, font)
    _draw_origins(canvas, slip, font)


def _draw_money(canvas: Canvas, slip: Slip, font: str) -> None:
    """Bottom of the slip: promotion, delivery fee, transfers, and what the courier collects.
    "Paid" is written only when nothing is owed (COD is total - paid, computed by the caller)."""
    canvas.setFont(font, 8)
    notes = [
        f"Khuyến mãi: {slip.promotion}" if slip.promotion else "",
        f"Phí giao hàng: {slip.shipping}" if slip.shipping else "",
        f"Đã chuyển khoản: {vnd(slip.paid_vnd)}" if slip.paid_vnd and slip.cod_vnd else "",
    ]
    y = 16 * mm
    room = 40 if slip.origin_urls else 60  # leave the origin QR its corner
    for note in (n for n in notes if n):
        canvas.drawString(6 * mm, y, _text(note)[:room])
        y += 4 * mm
    canvas.setFont(font, 12)
    cod = f"Thu hộ (COD): {vnd(slip.cod_vnd)}" if slip.cod_vnd else "Đã thanh toán - không thu tiền"
    canvas.drawString(6 * mm, 10 * mm, _text(cod))


def render_slips(slips: Sequence[Slip]) -> bytes:
    """One A6 page per slip, as PDF bytes."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A6, pageCompression=0)
    canvas.setTitle("chotdon - phiếu đóng gói")
    for slip in slips:
        _draw_slip(canvas, slip)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
