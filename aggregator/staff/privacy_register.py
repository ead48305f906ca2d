"""The register of processing the director prints: who controls buyers' data, what, why, from
where, to whom, for how long, how it is protected, and the cooperative's figures (requests,
breaches, staff reads). Read from Postgres in one function; drawn as an A4 PDF in another.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from aggregator.confirmation.summary import VIETNAM
from aggregator.core.privacy import KIND_START, KIND_TEXT, DataKind, breach_clock
from aggregator.orders.consent import retention_days
from aggregator.shipping.slip_pdf import font_name
from schema.queries import query

PLATFORM_NAMES = {"facebook": "Facebook", "tiktok": "TikTok", "zalo": "Zalo", "manual": "nhập tay",
                  "relay": "bình luận chuyển tiếp"}  # fmt: skip
PURPOSES = (
    "Nhận đơn từ bình luận và tin nhắn trong buổi live; xác nhận đơn với người mua.",
    "Giao hàng: chuyển tên, số điện thoại, địa chỉ người nhận cho đơn vị vận chuyển của đơn đó.",
    "Thu tiền: đối chiếu chuyển khoản VietQR và tiền thu hộ (COD).",
    "Ghi nhận giao thành công / hoàn hàng theo số điện thoại để quyết định có nhận COD lần sau "
    "(rủi ro “bom hàng”), chỉ trong hợp tác xã này, không chia sẻ cho hợp tác xã khác.",
    "Sổ sách thuế: số đơn, hàng hoá, số tiền, ngày (không cần tên, số điện thoại, địa chỉ).",
)
CATEGORIES = (
    "Người mua: họ tên, số điện thoại, địa chỉ giao hàng (tỉnh/thành, phường/xã, số nhà), tên "
    "hiển thị và mã người dùng trên nền tảng, nội dung bình luận và tin nhắn, ghi chú đơn, lịch "
    "sử nhận/từ chối hàng. Không thu thập dữ liệu nhạy cảm.",
    "Nhân viên: tên đăng nhập, tên hiển thị, nhật ký thao tác và nhật ký xem dữ liệu người mua.",
)
RECIPIENTS = (
    "Đơn vị vận chuyển (GHN, GHTK, Viettel Post): tên, số điện thoại, địa chỉ của đơn được giao.",
    "Nền tảng người mua dùng (Facebook, TikTok, Zalo): tin nhắn trả lời gửi qua chính nền tảng đó.",
    "Không bán, không chia sẻ dữ liệu người mua cho bên nào khác, kể cả hợp tác xã khác dùng "
    "chotdon.",
)
SAFEGUARDS = (
    "Mỗi hợp tác xã chỉ thấy dữ liệu của mình (bộ lọc theo hợp tác xã và bảo mật mức dòng trong "
    "cơ sở dữ liệu).",
    "Khoá truy cập nền tảng, đơn vị vận chuyển, ngân hàng được mã hoá khi lưu.",
    "Số điện thoại và địa chỉ được che trong nhật ký hệ thống; mỗi lần nhân viên xem số điện "
    "thoại hoặc địa chỉ người mua đều được ghi lại.",
    "Đăng nhập nhân viên có giới hạn số lần thử; đường link đơn của người mua được ký và có hạn.",
    "Dữ liệu được xoá theo thời hạn lưu trữ dưới đây bằng tác vụ chạy hằng ngày.",
)


@dataclass(frozen=True, slots=True)
class Register:
    tenant_name: str
    province: str
    printed_at: datetime
    request_days: int
    platforms: list[str]
    days: dict[DataKind, int]
    last_runs: dict[str, Any]
    counts: dict[str, int]
    breaches: list[dict[str, Any]] = field(default_factory=list)


async def load_register(
    conn: Any, tenant_id: int, tenant_name: str, request_days: int, now: datetime
) -> Register:
    tenant = await conn.fetchrow(query("register_tenant"), tenant_id)
    runs = {r["kind"]: dict(r) for r in await conn.fetch(query("last_retention_runs"), tenant_id)}
    counts = dict(await conn.fetchrow(query("register_counts"), tenant_id))
    platforms = [r["platform"] for r in await conn.fetch(query("register_platforms"), tenant_id)]
    found = [dict(r) for r in await conn.fetch(query("breaches_of_tenant"), tenant_id)]
    return Register(
        tenant_name, (tenant["province"] or "") if tenant else "", now, request_days,
        platforms, await retention_days(conn, tenant_id), runs, counts, found,
    )  # fmt: skip


def _vn(moment: datetime | None) -> str:
    return moment.astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y") if moment else "chưa"


def _sections(r: Register) -> list[tuple[str, list[str]]]:
    sources = ", ".join(PLATFORM_NAMES.get(p, p) for p in r.platforms) or "chưa kết nối kênh nào"
    keep = []
    for kind in DataKind:
        run = r.last_runs.get(kind.value)
        last = f"; lần xoá gần nhất {_vn(run['at'])}: {run['rows']} bản ghi" if run else ""
        keep.append(f"{KIND_TEXT[kind]}: {r.days[kind]} ngày {KIND_START[kind]}{last}.")
    keep.append("Số đơn, hàng hoá, số tiền, ngày: giữ cho sổ sách kế toán, thuế.")
    c = r.counts
    figures = [
        f"Người mua: {c['buyers']}; đơn hàng: {c['orders']}; lần đồng ý đã ghi: {c['consents']}.",
        f"Yêu cầu của người mua: {c['open_requests']} đang chờ, {c['handled_requests']} đã xử lý "
        f"(hạn xử lý {r.request_days} ngày).",
        f"Lượt nhân viên xem số điện thoại/địa chỉ đã ghi: {c['reads']}.",
    ]
    incidents = [
        f"Phát hiện {_vn(b['detected_at'])}: {b['description']} — báo cáo: {_vn(b['reported_at'])}"
        f" ({breach_clock(b['detected_at'], b['reported_at'], r.printed_at).text})"
        for b in r.breaches
    ] or ["Chưa có sự cố nào."]
    controller = f"{r.tenant_name}" + (f", {r.province}" if r.province else "")
    return [
        ("1. Bên kiểm soát và xử lý dữ liệu", [controller]),
        ("2. Mục đích xử lý", list(PURPOSES)),
        ("3. Loại dữ liệu và chủ thể dữ liệu", list(CATEGORIES)),
        ("4. Nguồn thu thập", [f"Bình luận, tin nhắn, đơn trên: {sources}; trang xác nhận đơn."]),
        ("5. Bên nhận dữ liệu", list(RECIPIENTS)),
        ("6. Thời hạn lưu trữ", keep),
        ("7. Biện pháp bảo vệ", list(SAFEGUARDS)),
        ("8. Quyền của người mua và số liệu", figures),
        ("9. Sự cố dữ liệu (báo cáo trong 72 giờ)", incidents),
    ]


def render_register_pdf(register: Register) -> bytes:
    font = font_name() or "Helvetica"
    title = ParagraphStyle("title", fontName=font, fontSize=15, leading=19, spaceAfter=4)
    heading = ParagraphStyle("heading", fontName=font, fontSize=11.5, leading=15, spaceBefore=8)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12, leftIndent=4 * mm)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
        bottomMargin=15 * mm, title="Sổ ghi nhận hoạt động xử lý dữ liệu cá nhân",
        author=register.tenant_name,
    )  # fmt: skip
    story: list[Any] = [
        Paragraph(escape("Sổ ghi nhận hoạt động xử lý dữ liệu cá nhân"), title),
        Paragraph(escape(f"{register.tenant_name} · in lúc {_vn(register.printed_at)} (giờ Việt "
                         "Nam) · theo Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15"), body),
    ]  # fmt: skip
    for name, lines in _sections(register):
        story.append(Paragraph(escape(name), heading))
        story.extend(Paragraph(escape("• " + line), body) for line in lines)
    story.append(Spacer(1, 12 * mm))
    story.append(Paragraph(escape("Giám đốc hợp tác xã (ký, ghi rõ họ tên)"), body))
    doc.build(story)
    return buffer.getvalue()
