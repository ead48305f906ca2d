"""Who did what to an order, in the Vietnamese staff read: actors, event kinds and the reasons
the system itself writes (order_events rows keep their codes; only the screen translates).

`system:merge`, `courier:ghn`, `buyer:order_page` and `staff:12` never reach a page: each has a
name here (a staff member's own name comes from the query). A reason typed by a person is shown
as typed; a reason the code wrote in English is translated, and an unknown code is never shown
raw (its kind's words stand alone).
"""

from __future__ import annotations

import re

from aggregator.core.incidents import SHIPMENT_TEXT
from aggregator.staff.reports import LogRow
from connectors.couriers.status_names import status_name
from schema.enums import Courier

COURIER_NAME = {"ghn": "GHN", "ghtk": "GHTK", "viettelpost": "Viettel Post"}
ACTOR_TEXT = {
    "system:merge": "Hệ thống (đọc bình luận, gộp đơn)",
    "system:platform": "Hệ thống (đơn từ sàn)",
    "system:tiktok": "TikTok Shop",
    "system:payments": "Hệ thống (đối soát chuyển khoản)",
    "system:payment-deadline": "Hệ thống (hạn chuyển khoản)",
    "system:address": "Hệ thống (kiểm tra địa chỉ)",
    "system:courier": "Hệ thống (gửi hãng vận chuyển)",
    "system:confirmation": "Hệ thống (xác nhận đơn)",
    "system:sweeper": "Hệ thống (hết hạn xác nhận)",
    "buyer:order_page": "Khách (trang đơn hàng)",
    "buyer:reply": "Khách (trả lời tin nhắn)",
    "cli": "Người quản trị (dòng lệnh)",
    "chotdon": "chotdon",
    "ngân hàng": "Ngân hàng",
}
EVENT_KIND_TEXT = {
    "unclear_dismissed": "Bỏ qua bình luận chưa rõ",
    "unclear_resolved": "Đọc lại bình luận chưa rõ",
    "cod_reconciled": "Đối soát tiền thu hộ (COD)",
    "privacy_erased": "Xoá dữ liệu cá nhân của khách",
    "items_changed": "Đổi sản phẩm trong đơn",
    "lines_changed": "Đổi số lượng",
    "line_removed": "Bớt sản phẩm",
    "waitlist_dropped": "Hết hàng: phần chờ hàng không giao theo đơn",
    "created": "Tạo đơn",
}
REASON_TEXT = {
    "order from comments": "đơn từ bình luận",
    "buyer cancelled": "khách huỷ trong bình luận",
    "buyer changed a confirmed order": "khách đổi đơn đã xác nhận",
    "buyer changed quantities": "khách đổi số lượng",
    "paid or cash on delivery in the TikTok Shop": "đã trả tiền hoặc nhận COD trên TikTok Shop",
    "cancelled in the TikTok Shop": "huỷ trên TikTok Shop",
    "TikTok's carrier": "đơn vị vận chuyển của TikTok",
    "order placed in the TikTok Shop": "đặt trên TikTok Shop",
    "claimed for packing": "nhận đóng gói",
    "packed": "đã đóng gói",
    "summary to the buyer": "gửi tóm tắt đơn cho khách",
    "reminder to the buyer": "nhắc khách xác nhận",
    "payment_reminder to the buyer": "nhắc khách chuyển khoản",
    "bank transfer paid": "chuyển khoản đủ",
    "bank transfer partial": "chuyển khoản thiếu",
    "bank transfer overpaid": "chuyển khoản thừa",
    "bank transfer unmatched": "chuyển khoản không khớp",
}
PAYMENT_STATUS_TEXT = {
    "matched": "khớp đơn", "paid": "đủ tiền", "partial": "chuyển thiếu",
    "overpaid": "chuyển thừa", "unmatched": "không khớp đơn",
}  # fmt: skip
MESSAGE_STATUS_TEXT = {
    "pending": "chờ gửi", "sent": "đã gửi", "failed": "gửi lỗi", "skipped": "không gửi",
    "by_hand": "cần gửi tay", "sent_by_hand": "đã gửi tay",
}  # fmt: skip
MESSAGE_KIND_TEXT = {
    "summary": "Tóm tắt đơn", "reminder": "Nhắc xác nhận", "payment_reminder": "Nhắc chuyển khoản",
}  # fmt: skip
CODE = re.compile(r"^[a-z]+(?:[_:.-][a-z0-9]+)+$|^[a-z_]+$")


def actor_text(actor: str | None, staff_name: str | None = None) -> str:
    """A person's or a service's name for the `actor` of an event."""
    if staff_name:
        return staff_name
    actor = actor or ""
    if actor in ACTOR_TEXT:
        return ACTOR_TEXT[actor]
    kind, _, name = actor.partition(":")
    if kind == "courier":
        return f"Hãng vận chuyển {COURIER_NAME.get(name, name.upper())}"
    if kind == "staff":
        return "Nhân viên"
    if kind == "buyer":
        return "Khách"
    return "Hệ thống"


def _courier_reason(courier: str, reason: str) -> str:
    code, _, rest = reason.partition(" ")
    if not code.isascii():  # already Vietnamese ("Thất lạc — GHN: Hàng bị mất"): as written
        return reason
    named = status_name(Courier(courier), code) if courier in COURIER_NAME else ""
    words = [w for w in (named or ("" if CODE.match(code) else code), rest.strip()) if w]
    return " — ".join(words)


def reason_text(reason: str | None, actor: str | None = None) -> str:
    """The reason of an event as staff read it; "" for a bare internal code."""
    reason = (reason or "").strip()
    if not reason:
        return ""
    if reason in REASON_TEXT:
        return REASON_TEXT[reason]
    if (actor or "").startswith("courier:"):
        return _courier_reason((actor or "").partition(":")[2], reason)
    return "" if CODE.match(reason) else reason


def kind_text(kind: str | None, known: dict[str, str]) -> str:
    """An event kind's words: the order history's vocabulary first, then ours; never the code."""
    kind = kind or ""
    return known.get(kind) or EVENT_KIND_TEXT.get(kind) or "Cập nhật đơn"


INTENT_TEXT = {"order": "Đặt hàng", "cancel": "Huỷ", "question": "Hỏi", "other": "Bình luận"}


def _shown_status(code: str | None, status_text: dict[str, str]) -> str:
    return status_text.get(code or "", "Đơn mới" if not code else "")


def log_line(
    row: LogRow, status_text: dict[str, str], event_text: dict[str, str]
) -> tuple[str, str, str]:
    """(who, what, detail) of one line of an order's full log, in Vietnamese."""
    if row.source == "don":
        moved = ""
        if row.to_status:
            before = _shown_status(row.from_status, status_text)
            moved = f"{before} → {status_text.get(row.to_status, '')}"
        why = reason_text(row.reason, row.raw_actor)
        who = actor_text(row.raw_actor) if row.raw_actor else row.actor
        return who, kind_text(row.kind, event_text), " · ".join(w for w in (moved, why) if w)
    if row.source == "binh-luan":
        return row.actor, INTENT_TEXT.get(row.kind, "Bình luận"), row.detail
    if row.source == "van-chuyen":
        tracking = row.detail.rpartition(" · ")[2] if " · " in row.detail else ""
        said = _courier_reason(row.actor, row.reason or "") if row.reason else ""
        detail = " · ".join(w for w in (said, f"mã vận đơn {tracking}" if tracking else "") if w)
        return (
            COURIER_NAME.get(row.actor, "Hãng vận chuyển"),
            SHIPMENT_TEXT.get(row.kind, "Vận chuyển"),
            detail,
        )
    if row.source == "tin-nhan":
        body = row.detail.partition(": ")[2]
        state = MESSAGE_STATUS_TEXT.get(row.reason or "", "")
        return (
            "chotdon",
            MESSAGE_KIND_TEXT.get(row.kind, "Tin nhắn"),
            " · ".join(w for w in (state, body) if w),
        )
    return actor_text(row.actor), PAYMENT_STATUS_TEXT.get(row.kind, "Chuyển khoản"), row.detail
