"""The tax figures of a year as an A4 PDF a household takes to its declaration: per quarter and
half-year, revenue a platform withheld tax on (with the VAT and PIT withheld) and revenue the
household declares itself, refunds subtracted; then the period's sales and refunds, line by line.
"""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer

from aggregator.core.reports import local
from aggregator.core.tax import DECLARER_TEXT, Period
from aggregator.shipping.slip_pdf import font_name
from aggregator.staff.report_pdf import _money, _p, _styles, _table
from aggregator.staff.tax import PLATFORM_TEXT, TaxYear, summary_rows

SHORT_HEADER = ["Kỳ", "Từ", "Đến", "Sàn: đơn", "Sàn: doanh thu", "Sàn: hoàn", "Sàn: thuần",
                "GTGT sàn khấu trừ 1%", "TNCN sàn khấu trừ 0,5%", "Tự khai: đơn",
                "Tự khai: doanh thu", "Tự khai: hoàn", "Tự khai: thuần",
                "Tổng thuần"]  # fmt: skip
MAX_PDF_LINES = 3000  # like the reports' invoice list: past it the CSV holds the detail
MONEY_COLUMNS = {4, 5, 6, 7, 8, 10, 11, 12, 13}


def render_tax_pdf(
    year: TaxYear, period: Period, tenant_name: str, today_advice: list[str]
) -> bytes:
    font = font_name() or "Helvetica"
    title, heading, cell = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=10 * mm,
                            rightMargin=10 * mm, topMargin=10 * mm, bottomMargin=10 * mm,
                            title=f"Số liệu thuế {year.year} - {tenant_name}")  # fmt: skip
    rows: list[list[object]] = [list(SHORT_HEADER)]
    for row in summary_rows(year):
        rows.append([_money(int(str(v))) if i in MONEY_COLUMNS else v for i, v in enumerate(row)])
    widths = [34, 20, 20, 13, 22, 19, 22, 20, 20, 14, 22, 19, 22, 24]
    story = [
        _p(f"Số liệu kê khai thuế năm {year.year} — {tenant_name}", title),
        *(_p(line, cell) for line in today_advice),
        Spacer(1, 3 * mm),
        _p(
            "Theo quý và 6 tháng (doanh thu theo ngày tạo đơn, hoàn tiền theo ngày đã hoàn)",
            heading,
        ),
        _table(rows, [w * mm for w in widths], font, money=(3, -1)),
        _p(f"Chi tiết {period.label}", heading),
    ]
    sales, refunds = year.in_period(period)
    if len(sales) + len(refunds) > MAX_PDF_LINES:
        story.append(_p(f"Kỳ này có {len(sales) + len(refunds)} dòng, PDF in tối đa "
                        f"{MAX_PDF_LINES}: hãy tải CSV chi tiết.", cell))  # fmt: skip
        doc.build(story)
        return buffer.getvalue()
    detail: list[list[object]] = [[*("Loại", "Số đơn", "Ngày", "Kênh", "Ai kê khai", "Số tiền")]]
    detail += [["Bán", s.sale.order_no, local(s.created_at, "%d/%m/%Y"),
                PLATFORM_TEXT.get(s.platform, s.platform), DECLARER_TEXT[s.sale.declarer],
                _money(s.sale.total_vnd)] for s in sales]  # fmt: skip
    detail += [["Hoàn tiền", r.refund.order_no, local(r.settled_at, "%d/%m/%Y"), "",
                DECLARER_TEXT[r.refund.declarer], _money(-r.refund.amount_vnd)]
               for r in refunds]  # fmt: skip
    story.append(_table(detail, [w * mm for w in (22, 40, 25, 35, 90, 35)], font, money=(5, 5)))
    doc.build(story)
    return buffer.getvalue()
