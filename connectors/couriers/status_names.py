"""What each courier calls its own status codes, in the Vietnamese of its documentation, and
Viettel Post's delivery-failure reasons. Shown to staff next to chotdon's own words, so they read
what the courier said; tests/fixtures/wire/<courier>/README.md names the pages."""

from __future__ import annotations

from schema.enums import Courier

GHN_NAMES: dict[str, str] = {
    "ready_to_pick": "Mới tạo đơn hàng",
    "picking": "Nhân viên đang lấy hàng",
    "cancel": "Hủy đơn hàng",
    "money_collect_picking": "Đang thu tiền người gửi",
    "picked": "Nhân viên đã lấy hàng",
    "storing": "Hàng đang nằm ở kho",
    "transporting": "Đang luân chuyển hàng",
    "sorting": "Đang phân loại hàng hóa",
    "delivering": "Nhân viên đang giao cho người nhận",
    "money_collect_delivering": "Nhân viên đang thu tiền người nhận",
    "delivered": "Nhân viên đã giao hàng thành công",
    "delivery_fail": "Nhân viên giao hàng thất bại",
    "waiting_to_return": "Đang đợi trả hàng về cho người gửi",
    "return": "Trả hàng",
    "return_transporting": "Đang luân chuyển hàng trả",
    "return_sorting": "Đang phân loại hàng trả",
    "returning": "Nhân viên đang đi trả hàng",
    "return_fail": "Nhân viên trả hàng thất bại",
    "returned": "Nhân viên trả hàng thành công",
    "exception": "Đơn hàng ngoại lệ không nằm trong quy trình",
    "damage": "Hàng bị hư hỏng",
    "lost": "Hàng bị mất",
}

GHTK_NAMES: dict[str, str] = {
    "-1": "Hủy đơn hàng",
    "1": "Chưa tiếp nhận",
    "2": "Đã tiếp nhận",
    "3": "Đã lấy hàng/Đã nhập kho",
    "4": "Đã điều phối giao hàng/Đang giao hàng",
    "5": "Đã giao hàng/Chưa đối soát",
    "6": "Đã đối soát",
    "7": "Không lấy được hàng",
    "8": "Hoãn lấy hàng",
    "9": "Không giao được hàng",
    "10": "Delay giao hàng",
    "11": "Đã đối soát công nợ trả hàng",
    "12": "Đã điều phối lấy hàng/Đang lấy hàng",
    "13": "Đơn hàng bồi hoàn",
    "20": "Đang trả hàng (COD cầm hàng đi trả)",
    "21": "Đã trả hàng (COD đã trả xong hàng)",
    "123": "Shipper báo đã lấy hàng",
    "127": "Shipper báo không lấy được hàng",
    "128": "Shipper báo delay lấy hàng",
    "45": "Shipper báo đã giao hàng",
    "49": "Shipper báo không giao được hàng",
    "410": "Shipper báo delay giao hàng",
}

VTP_NAMES: dict[str, str] = {
    "101": "ViettelPost từ chối nhận",
    "102": "Đơn hàng chờ xử lý",
    "103": "Giao cho bưu cục",
    "104": "Giao cho Bưu tá đi nhận",
    "105": "Bưu Tá đã nhận hàng",
    "107": "Đối tác yêu cầu hủy qua API",
    "200": "Nhận từ bưu tá - Bưu cục gốc",
    "201": "Hủy nhập phiếu gửi",
    "202": "Sửa phiếu gửi",
    "300": "Khai thác đi",
    "400": "Khai thác đến",
    "500": "Giao bưu tá đi phát",
    "501": "Phát thành công",
    "502": "Chuyển hoàn bưu cục gốc",
    "503": "Hủy - Theo yêu cầu khách hàng",
    "504": "Hoàn thành công - Chuyển trả người gửi",
    "505": "Phát thất bại - Yêu cầu chuyển hoàn",
    "506": "Phát thất bại",
    "507": "Khách hàng đến bưu cục nhận",
    "508": "Phát tiếp",
    "509": "Chuyển tiếp bưu cục khác",
    "515": "Duyệt hoàn",
    "550": "Phát tiếp",
}

# Viettel Post's REASON_CODE of a failed delivery (its table updated 08/2025).
VTP_REASONS: dict[str, str] = {
    "20": "Sai màu sắc",
    "21": "Sai kích thước",
    "22": "Sai kiểu dáng",
    "23": "Chất lượng kém",
    "24": "Không cho xem hàng",
    "25": "Sai số lượng",
    "26": "Sai tiền thu hộ",
    "27": "Sai định dạng số điện thoại người nhận",
    "30": "Khách hàng không có nhu cầu nhận hàng",
    "31": "Khách hàng không đặt đơn",
    "32": "Sai địa chỉ",
    "35": "Người nhận hẹn phát lại",
    "36": "Không liên lạc được khách hàng nhận",
    "37": "Bưu tá hẹn phát lại",
    "38": "Khách hàng đến bưu cục nhận",
    "43": "Người gửi yêu cầu chuyển hoàn",
    "46": "Phát thất bại nhiều lần: người nhận hẹn phát lại",
    "47": "Phát thất bại nhiều lần: không liên lạc được khách hàng nhận",
}

NAMES: dict[Courier, dict[str, str]] = {
    Courier.GHN: GHN_NAMES,
    Courier.GHTK: GHTK_NAMES,
    Courier.VIETTELPOST: VTP_NAMES,
}


def status_name(courier: Courier, code: str) -> str:
    """The courier's own words for its code; "" for a code its tables do not name."""
    return NAMES[courier].get(code, "")
