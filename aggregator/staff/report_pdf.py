"""The report as an A4 PDF for a household business's tax declaration (hộ kinh doanh): revenue
by day with the period's totals, then the per-buyer invoice list (order number, date, buyer,
items, amounts; phone masked). Vietnamese text uses the packing slips' embedded Unicode font.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from aggregator.core.money import format_vnd
from aggregator.core.reports import local
from aggregator.shipping.slip_pdf import font_name
from aggregator.staff.reports import NUMBER_HEADER, NUMBERS, Report, ReportRow


def _styles() -> tuple[ParagraphStyle, ParagraphStyle, ParagraphStyle]:
    font = font_name() or "Helvetica"
    title = ParagraphStyle("title", fontName=font, fontSize=15, leading=19, spaceAfter=4)
    heading = ParagraphStyle("heading", fontName=font, fontSize=11.5, leading=15, spaceBefore=8)
    cell = ParagraphStyle("cell", fontName=font, fontSize=8, leading=10)
    return title, heading, cell


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _money(amount: int) -> str:
    return format_vnd(amount).replace("₫", "đ")  # DejaVu has both; "đ" reads as on invoices


def _table(
    rows: list[list[object]], widths: list[float], font: str, money: tuple[int, int] = (1, -1)
) -> Table:
    """A grid; the columns from money[0] to money[1] (amounts, counts) align right."""
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 7.5),
        ("LEADING", (0, 0), (-1, -1), 9),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e3ece4")),
        ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#9aa59b")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (money[0], 1), (money[1], -1), "RIGHT"),
    ]))  # fmt: skip
    return table


def _wrap(text: str, width_mm: float, font: str) -> str:
    """Cell text broken into lines that fit the column (plain strings draw far faster than
    paragraphs: a month of invoices is thousands of rows)."""
    return "\n".join(simpleSplit(text, font, 7.5, (width_mm - 3) * mm)[:MAX_CELL_LINES])


def _day_rows(report: Report, cell: ParagraphStyle) -> list[list[object]]:
    """Revenue by day: at most 366 rows, so paragraphs (wrapped headers) are affordable."""

    def numbers(values: dict[str, int]) -> list[object]:
        return [values[k] if not k.endswith("_vnd") else _money(values[k]) for k in NUMBERS]

    rows: list[list[object]] = [[_p(h, cell) for h in ["Ngày", *NUMBER_HEADER]]]
    days: list[ReportRow] = report.days
    rows += [[r.label, *numbers(r.numbers)] for r in days]
    rows.append(["Tổng", *numbers(report.totals)])
    return rows


INVOICE_HEADER = ["Số đơn", "Ngày", "Người mua", "SĐT", "Hàng hoá", "Tiền hàng", "Ship",
                  "Giảm", "Tổng", "Thanh toán"]  # fmt: skip
INVOICE_WIDTHS = [20, 19, 32, 19, 78, 22, 17, 17, 22, 31]  # mm, landscape A4 less margins
CHUNK_ROWS = 40  # one table per chunk: splitting one huge table across pages is quadratic
MAX_CELL_LINES = 6
# Drawing text in an embedded TrueType font is slow in reportlab (about 1–3 s per 500 invoices
# on this project's 2-core machine): longer periods are refused with advice (a shorter range, or
# the invoice CSV) rather than tying up a worker for minutes.
MAX_PDF_INVOICES = 3000


def _invoice_tables(report: Report, font: str) -> list[Table]:
    rows: list[list[object]] = []
    w = INVOICE_WIDTHS
    for i in report.invoices:
        rows.append([
            i.order_no, local(i.created_at, "%d/%m/%Y"), _wrap(i.buyer, w[2], font),
            i.phone_masked, _wrap(i.items_text, w[4], font), _money(i.subtotal_vnd),
            _money(i.shipping_vnd), _money(i.discount_vnd), _money(i.total_vnd),
            _wrap(i.payment, w[9], font),
        ])  # fmt: skip
    widths = [x * mm for x in w]
    header: list[object] = list(INVOICE_HEADER)
    return [
        _table([header, *rows[start : start + CHUNK_ROWS]], widths, font, (5, 8))
        for start in range(0, len(rows), CHUNK_ROWS)
    ]


def render_report_pdf(report: Report, tenant_name: str) -> bytes:
    font = font_name() or "Helvetica"
    title, heading, cell = _styles()
    buffer = io.BytesIO()
    page = landscape(A4)
    doc = SimpleDocTemplate(
        buffer, pagesize=page, leftMargin=10 * mm, rightMargin=10 * mm, topMargin=10 * mm,
        bottomMargin=10 * mm, title="Báo cáo doanh thu", author=tenant_name,
    )  # fmt: skip
    period = f"{report.start:%d/%m/%Y} – {report.end:%d/%m/%Y}"
    total = report.totals["revenue_vnd"]
    story: list[object] = [
        _p(f"Báo cáo doanh thu · {tenant_name}", title),
        _p(f"Kỳ: {period} (giờ Việt Nam). Doanh thu = đơn đã giao hoặc đã thanh toán, "
           f"không tính đơn huỷ, hết hạn, hoàn hàng. Tổng doanh thu: {_money(total)}.", cell),
        _p("Doanh thu theo ngày", heading), Spacer(1, 2 * mm),
        _table(_day_rows(report, cell), [28 * mm] + [34 * mm] * 7, font),
        _p(f"Hoá đơn theo người mua ({len(report.invoices)} đơn)", heading), Spacer(1, 2 * mm),
    ]  # fmt: skip
    if report.invoices:
        story.extend(_invoice_tables(report, font))
    else:
        story.append(_p("Không có đơn nào có doanh thu trong kỳ.", cell))
    doc.build(story)
    return buffer.getvalue()
