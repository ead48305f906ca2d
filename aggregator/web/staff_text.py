"""Vietnamese words staff pages show for statuses and events."""

from __future__ import annotations

STATUS_TEXT = {
    "draft": "Nháp",
    "awaiting_confirmation": "Chờ khách xác nhận",
    "confirmed": "Đã xác nhận",
    "packing": "Đang đóng gói",
    "packed": "Đã đóng gói",
    "needs_address": "Cần sửa địa chỉ",
    "shipped": "Đang giao",
    "delivered": "Đã giao",
    "cancelled": "Đã huỷ",
    "expired": "Hết hạn",
    "returned": "Hoàn hàng",
}

# "Bom hàng" risk levels (aggregator/core/risk.RiskLevel labels); the queue shows this or higher.
RISK_TEXT = {
    "new": "Khách mới",
    "low": "Rủi ro thấp",
    "medium": "Rủi ro trung bình",
    "high": "Rủi ro cao",
    "blocked": "Hay bom hàng",
}
