"""The Vietnamese wording of each automatic answer, as the director edits it. Pure.

A wording is plain text with named blanks in braces ("Dạ {sản phẩm} giá {giá} ạ."). Blanks are
Vietnamese words, typed with or without diacritics ({giá} = {gia}). Each kind has its own
blanks; a wording that uses a blank its kind does not fill, or an unclosed brace, is refused
with a sentence the director can act on. Blanks hold facts only: never a buyer's name,
phone or address (answers go privately, and still carry nothing personal).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping

from aggregator.core.addresses import fold_text
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

# How the director writes each blank (the keys above are what compose.py fills).
BLANK_NAME: Mapping[str, str] = {
    "san_pham": "sản phẩm", "ma": "mã", "gia": "giá", "con_hang": "còn hàng",
    "phan_loai": "các loại", "xuat_xu": "xuất xứ", "phi_ship": "phí giao", "noi_nhan": "nơi nhận",
    "so_ngay": "số ngày", "cach_tra": "cách trả",
}  # fmt: skip
_BY_FOLDED = {fold_text(name): key for key, name in BLANK_NAME.items()}

DEFAULT_WORDING: Mapping[QuestionKind, str] = {
    _K.PRICE: "Dạ {sản phẩm} giá {giá} ạ. Bạn bình luận mã {mã} và số lượng để chốt đơn nhé.",
    _K.STOCK: "Dạ {sản phẩm} {còn hàng} ạ.",
    _K.VARIANTS: "Dạ {sản phẩm} có các loại: {các loại} ạ.",
    _K.ORIGIN: "Dạ {sản phẩm} {xuất xứ} ạ.",
    _K.SHIPPING: "Dạ phí giao hàng {phí giao}; giao về {nơi nhận} thường mất {số ngày} ngày ạ.",
    _K.PAYMENT: "Dạ hợp tác xã nhận {cách trả} ạ.",
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


def blank_key(name: str) -> str | None:
    """The blank a name written in a wording stands for ({Giá}, {gia}, {giá} → 'gia')."""
    return _BY_FOLDED.get(fold_text(name.replace("_", " ")))


def _parts(wording: str) -> list[tuple[str, str | None]]:
    try:
        return [(text, name) for text, name, _, _ in string.Formatter().parse(wording)]
    except ValueError:
        raise WordingError("Dấu ngoặc { } chưa đóng mở đúng cặp.") from None


def blanks_of(wording: str) -> list[str]:
    return [name for _, name in _parts(wording) if name is not None]


def check_wording(kind: QuestionKind, wording: str) -> str:
    """The wording as stored (trimmed), or WordingError naming what is wrong."""
    text = re.sub(r"\s+", " ", wording).strip()
    if not text:
        raise WordingError("Câu trả lời không được để trống.")
    if len(text) > MAX_WORDING:
        raise WordingError(f"Câu trả lời dài quá {MAX_WORDING} ký tự.")
    allowed = BLANKS[kind]
    for name in blanks_of(text):
        if blank_key(name) not in allowed:
            names = ", ".join("{" + BLANK_NAME[b] + "}" for b in allowed)
            raise WordingError(f"Không có chỗ trống “{{{name}}}”; chỉ dùng được: {names}.")
    return text


def fill(wording: str, values: Mapping[str, str]) -> str:
    """The wording with its blanks filled (a blank without a value stays empty)."""
    parts: list[str] = []
    for literal, name in _parts(wording):
        parts.append(literal)
        if name is not None:
            parts.append(values.get(blank_key(name) or "", ""))
    return re.sub(r"\s+", " ", "".join(parts)).strip()
