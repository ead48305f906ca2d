"""Vietnamese words staff pages show for statuses and events."""

from __future__ import annotations

from aggregator.core.incidents import ATTENTION, SHIPMENT_TEXT
from aggregator.shipping.events import INCIDENT_EVENT
from aggregator.staff.queue import PARCEL_TROUBLE

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

# The order queue's parcel filter: every parcel in trouble, or one kind of trouble.
PARCEL_TEXT = {
    PARCEL_TROUBLE: "Có sự cố vận chuyển",
    **{status: SHIPMENT_TEXT[status] for status in sorted(ATTENTION)},
}

# Order history entries that are not status moves (those show the two statuses).
EVENT_TEXT = {
    "status": "Đổi trạng thái",
    INCIDENT_EVENT: "Sự cố vận chuyển",
    "merged": "Gộp đơn",
    "paid_waiting_for_stock": "Đã chuyển khoản, đang chờ hàng",
    "buyer_confirmed": "Khách xác nhận đơn",
    "staff_confirmed_by_phone": "Nhân viên gọi điện xác nhận",
    "buyer_messaged": "Đã nhắn cho khách",
    "message_sent_by_hand": "Nhân viên đã gửi tay tin nhắn",
    "payment_received": "Nhận chuyển khoản",
    "shipment_held": "Giữ lại, chưa gửi hãng vận chuyển",
    "shipment_rejected": "Hãng vận chuyển từ chối",
    "address_converted": "Đổi sang địa chỉ mới (2025)",
    "line_added": "Thêm sản phẩm",
    "buyer_erased": "Đã xoá dữ liệu cá nhân của khách",
    # Returns and refunds (issue 22; aggregator/staff/returns.py)
    "return_requested": "Khách yêu cầu trả hàng",
    "return_accepted": "Đồng ý cho trả hàng",
    "return_refused": "Từ chối trả hàng",
    "return_received": "Đã nhận hàng trả về",
    "return_refunded": "Đã hoàn tiền xong",
    "refund_recorded": "Ghi khoản hoàn tiền",
    "refund_settled": "Đã chuyển tiền hoàn",
    "return_parcel": "Hàng trả: tin của hãng vận chuyển",
}

# A buyer's return as staff read its state (the buyer's page words it for the buyer).
RETURN_TEXT = {
    "requested": "Chờ xử lý",
    "refused": "Đã từ chối",
    "accepted": "Đã đồng ý, chờ hàng về",
    "received": "Đã nhận hàng, chờ hoàn tiền",
    "refunded": "Đã hoàn tiền",
}
