"""Word tables for numbers: quantity markers, counting units, and numbers that are not quantities.

Every table is a plain tuple of phrases written as people type them; the lexicon folds them.
"""

from __future__ import annotations

from aggregator.core.parser.lexicon import PhraseIndex

MAX_QTY = 999

NUMBER_WORDS: tuple[tuple[str, int], ...] = (
    ("một", 1),
    ("mot", 1),
    ("hai", 2),
    ("ba", 3),
    ("bốn", 4),
    ("bón", 4),
    ("tư", 4),
    ("năm", 5),
    ("lăm", 5),
    ("sáu", 6),
    ("bảy", 7),
    ("bẩy", 7),
    ("tám", 8),
    ("chín", 9),
    ("mười", 10),
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
)
NUMBER_WORD_INDEX: PhraseIndex[int] = PhraseIndex(NUMBER_WORDS)

# Counting units: "2 hộp", "2c", "ba chục" (chục is how B02 is sold), "2 pcs".
COUNT_UNITS: tuple[str, ...] = (
    "cái", "chiếc", "hộp", "túi", "chai", "hũ", "hủ", "lọ", "gói", "bó", "thùng", "bộ",
    "bịch", "bình", "lon", "khay", "vỉ", "phần", "suất", "set", "combo", "chục", "cặp",
    "quả", "trái", "cây", "xấp", "pcs", "pc", "piece", "pieces", "sp", "sản phẩm", "đơn",
    "box", "bag", "bags", "bottle", "bottles", "hop", "tui",
)  # fmt: skip
COUNT_UNIT_INDEX: PhraseIndex[str] = PhraseIndex((u, u) for u in COUNT_UNITS)
ADJACENT_ONLY_UNITS = PhraseIndex([("c", "c")])  # "2c" = 2 cái, never "2 c" (c = chị)

# Markers before a quantity that belongs to the product written before it: "x2", "sl: 3".
POSTFIX_MARKERS: tuple[str, ...] = (
    "x", "*", "sl", "số lượng", "sluong", "soluong", "qty", "quantity", "so luong",
)  # fmt: skip
POSTFIX_MARKER_INDEX: PhraseIndex[str] = PhraseIndex((m, m) for m in POSTFIX_MARKERS)
MARKER_FILLERS = frozenset({":", "=", "-", "."})

# "mỗi thứ 1", "mỗi loại 2 hộp": one quantity for every product named.
EACH_MARKERS: tuple[str, ...] = (
    "mỗi thứ", "mỗi loại", "mỗi cái", "mỗi món", "mỗi mã", "mỗi sp", "mỗi sản phẩm", "mỗi",
    "each",
)  # fmt: skip
EACH_INDEX: PhraseIndex[str] = PhraseIndex((m, m) for m in EACH_MARKERS)

# A number written right after these is not a quantity (dates, addresses, order ids).
NON_QTY_BEFORE: tuple[str, ...] = (
    "thứ", "ngày", "tháng", "năm", "lần", "lúc", "số", "số nhà", "nhà số", "ngõ", "ngách",
    "hẻm", "kiệt", "xóm", "thôn", "tổ", "đội", "khu", "phố", "đường", "phường", "quận", "p",
    "q", "km", "lô", "phòng", "tầng", "căn", "mã đơn", "đơn hàng", "đơn số", "mã vận đơn",
    "#", "còn", "top", "live", "phiên", "size", "vụ", "tuổi", "bàn", "kênh", "tập", "chương",
    "sau", "trước", "trong",
)  # fmt: skip
NON_QTY_BEFORE_INDEX: PhraseIndex[str] = PhraseIndex((w, w) for w in NON_QTY_BEFORE)

# A number written right before these is not a quantity (time, age, distance, ratings).
NON_QTY_AFTER: tuple[str, ...] = (
    "h", "giờ", "g", "phút", "p", "ngày", "hôm", "bữa", "tuần", "tháng", "năm", "tuổi",
    "lần", "người", "km", "m", "cm", "%", "sao", "tiếng", "buổi", "đời", "mẫu", "sào",
    "ha", "tấn", "tạ", "yến", "con", "đứa", "xu", "/",
)  # fmt: skip
NON_QTY_AFTER_INDEX: PhraseIndex[str] = PhraseIndex((w, w) for w in NON_QTY_AFTER)

# Money: "180k", "1tr2", "45 nghìn", "180.000đ".
PRICE_UNITS: tuple[str, ...] = (
    "k", "nghìn", "ngàn", "ngan", "nghin", "tr", "triệu", "củ", "đ", "d", "vnd", "vnđ", "đồng",
    "dong",
)  # fmt: skip
PRICE_UNIT_INDEX: PhraseIndex[str] = PhraseIndex((u, u) for u in PRICE_UNITS)
SPACED_PRICE_UNITS = frozenset({"nghin", "ngan", "tr", "trieu", "cu", "vnd", "dong"})
