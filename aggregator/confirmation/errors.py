"""What can go wrong on the order page, each with the HTTP status and the buyer's message.

ChotdonError
├── BadInputError (400)
│   ├── FormError            fields the buyer must correct (a message per field)
│   ├── StockLimitError      more than the live has left
│   └── EmptyOrderError      confirming an order with nothing in it
│       └── NothingHeldError only waitlisted or unclear lines: nothing would ship
├── NotFoundError (404)
│   └── LinkNotValidError    tampered, malformed or unknown order link
├── ConflictError (409)
│   ├── StaleOrderError      the order changed since the page was shown
│   └── NotEditableError     the order is past confirmation (or expired, cancelled)
└── GoneError (410)          the link has expired
"""

from __future__ import annotations

from aggregator.errors import BadInputError, ChotdonError, ConflictError, NotFoundError


class BuyerFacingError(ChotdonError):
    """Mixin-free base: `buyer_message` is what the page shows, in Vietnamese."""

    buyer_message = "Có lỗi xảy ra, vui lòng thử lại."


class FormError(BadInputError, BuyerFacingError):
    buyer_message = "Vui lòng kiểm tra lại các ô được đánh dấu."

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(f"form has {len(errors)} wrong fields: {sorted(errors)}")
        self.errors = errors


class StockLimitError(BadInputError, BuyerFacingError):
    def __init__(self, line_id: int, code: str, available: int) -> None:
        super().__init__(f"line {line_id} ({code}): only {available} more available")
        self.line_id, self.code, self.available = line_id, code, available
        self.buyer_message = (
            f"Mã {code} chỉ còn thêm được {available} sản phẩm."
            if available > 0
            else f"Mã {code} đã hết hàng, không thể tăng số lượng."
        )


class EmptyOrderError(BadInputError, BuyerFacingError):
    buyer_message = "Đơn không còn sản phẩm nào để xác nhận."


class NothingHeldError(EmptyOrderError):
    """Every line waits for stock (or is unclear): there is nothing to send yet."""

    buyer_message = (
        "Các sản phẩm trong đơn đều đang tạm hết hàng (bạn đang trong danh sách chờ), nên chưa "
        "thể xác nhận đơn. Shop sẽ nhắn cho bạn ngay khi có hàng."
    )


class LinkNotValidError(NotFoundError, BuyerFacingError):
    buyer_message = (
        "Đường link không đúng hoặc đã bị sửa. Vui lòng mở lại link trong tin nhắn của shop."
    )


class GoneError(BuyerFacingError):
    http_status = 410
    buyer_message = "Đường link này đã hết hạn. Vui lòng nhắn tin cho shop để nhận link mới."


class StaleOrderError(ConflictError, BuyerFacingError):
    buyer_message = (
        "Đơn hàng vừa được cập nhật (có thể bạn vừa bình luận thêm). Vui lòng xem lại rồi xác nhận."
    )


class NotEditableError(ConflictError, BuyerFacingError):
    buyer_message = "Đơn hàng này không còn chờ xác nhận nên không thể thay đổi."


class FormExpiredError(BadInputError, BuyerFacingError):
    buyer_message = "Phiên làm việc đã hết hạn. Vui lòng tải lại trang rồi thử lại."


class ConsentMissingError(BadInputError, BuyerFacingError):
    """A confirmation without the buyer's recorded consent to the notice (Law 91/2025, Art. 9)."""

    buyer_message = (
        "Vui lòng đọc mục “Thông tin cá nhân của bạn” và đánh dấu đồng ý trước khi xác nhận đơn."
    )
