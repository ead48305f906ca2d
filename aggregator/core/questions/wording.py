"""The Vietnamese wording of each automatic answer, as the director edits it. Pure.

A wording is plain text with named blanks in braces ("Dạ {san_pham} giá {gia} ạ."). Each kind
has its own blanks; a wording that uses a blank its kind does not fill, or an unclosed brace, is
refused with a sentence the director can act on. Blanks hold facts only: never a buyer's name,
phone or address (answers go privately, and still carry nothing personal).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping

from aggregator.core.questions.kinds import QuestionKind
from aggregator.errors import BadInputError

MAX_WORDING = 500
_K = QuestionKind

BLANKS: Mapping[QuestionKind, Mapping[str, str]] = {
    _K.PRICE: {"san_pham": "tên sản phẩm", "ma": "mã sản phẩm", "gia": "giá (theo loại nếu có)"},
    _K.STOCK: {"san_pham": "tên sản phẩm", "ma": "mã sản phẩm",
               "con_hang": "còn bao nhiêu, hoặc đã hết"},
    _K.VARIANTS: {"san_pham": "tên sản phẩm", "ma": "mã sản phẩm",
                  "phan_loai": "các loại và giá từng loại"},
    _K.ORIGIN: {"san_pham": "tên sản phẩm", "ma": "mã sản phẩm",
                "xuat_xu": "nơi sản xuất, sao OCOP và số chứng nhận"},
    _K.SHIPPING: {"phi_ship": "phí giao hàng (và khuyến mãi giao hàng của phiên)",
                  "noi_nhan": "tỉnh khách hỏi (hoặc “toàn quốc”)",
                  "so_ngay": "số ngày giao thường gặp"},
    _K.PAYMENT: {"cach_tra": "các cách thanh toán hợp tác xã nhận"},
}  # fmt: skip

DEFAULT_WORDING: Mapping[QuestionKind, str] = {
    _K.PRICE: "Dạ {san_pham} giá {gia} ạ. Bạn bình luận mã {ma} và số lượng để chốt đơn nhé.",
    _K.STOCK: "Dạ {san_pham} {con_hang} ạ.",
    _K.VARIANTS: "Dạ {san_pham} có các loại: {phan_loai} ạ.",
    _K.ORIGIN: "Dạ {san_pham} {xuat_xu} ạ.",
    _K.SHIPPING: "Dạ phí giao hàng {phi_ship}; giao về {noi_nhan} thường mất {so_ngay} ngày ạ.",
    _K.PAYMENT: "Dạ hợp tác xã nhận {cach_tra} ạ.",
}

KIND_TEXT: Mapping[QuestionKind, str] = {
    _K.PRICE: "Giá",
    _K.STOCK: "Còn hàng",
    _K.VARIANTS: "Các loại",
    _K.ORIGIN: "Xuất xứ, OCOP",
    _K.SHIPPING: "Phí và thời gian giao",
    _K.PAYMENT: "Cách thanh toán",
    _K.ORDER_STATUS: "Hỏi về đơn đã đặt",
    _K.MIXED: "Hỏi nhiều điều",
    _K.OTHER: "Câu hỏi khác",
}


class WordingError(BadInputError, ValueError):
    """A wording the director wrote cannot be used; the message is Vietnamese."""


def blanks_of(wording: str) -> list[str]:
    try:
        return [name for _, name, _, _ in string.Formatter().parse(wording) if name is not None]
    except ValueError:
        raise WordingError("Dấu ngoặc { } chưa đóng mở đúng cặp.") from None


def check_wording(kind: QuestionKind, wording: str) -> str:
    """The wording as stored (trimmed), or WordingError naming what is wrong."""
    text = re.sub(r"\s+", " ", wording).strip()
    if not text:
        raise WordingError("Câu trả lời không được để trống.")
    if len(text) > MAX_WORDING:
        raise WordingError(f"Câu trả lời dài quá {MAX_WORDING} ký tự.")
    allowed = BLANKS[kind]
    for name in blanks_of(text):
        if name not in allowed:
            names = ", ".join("{" + b + "}" for b in allowed)
            raise WordingError(f"Không có chỗ trống “{{{name}}}”; chỉ dùng được: {names}.")
    return text


def fill(wording: str, values: Mapping[str, str]) -> str:
    """The wording with its blanks filled (a blank without a value stays empty)."""
    parts: list[str] = []
    for literal, name, _, _ in string.Formatter().parse(wording):
        parts.append(literal)
        if name is not None:
            parts.append(values.get(name, ""))
    return re.sub(r"\s+", " ", "".join(parts)).strip()
