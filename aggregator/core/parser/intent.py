"""Intent keywords and the decision between order, cancel, question and other.

The tables are phrases as buyers type them; diacritics are optional when matching, teencode is
listed explicitly. To teach the parser a new expression, add it to the right table.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence, Set as AbstractSet
from enum import StrEnum
from itertools import product

from aggregator.core.parser.lexicon import PhraseIndex
from schema.parsing import Intent


class Signal(StrEnum):
    ORDER = "order"  # lấy, đặt, cho em ...
    BUY = "buy"  # mua: an order, or a past purchase when "rồi" follows
    STRONG_ORDER = "strong_order"  # chốt: commits even next to a question
    IB = "ib"
    PLUS = "plus"  # +1
    CANCEL = "cancel"
    ASK = "ask"  # stock, quality, origin, payment method, "được không"
    ASK_CAN = "ask_can"  # "được không": a polite request beside an order, else a question
    ASK_TERMS = "ask_terms"  # price, discount, fees: stays a question even with a quantity
    ASK_DELIVERY = "ask_delivery"  # where is my order, it has not arrived
    ASK_WHEN = "ask_when"  # how long, when: a question, unless an order is placed beside it
    CHECK = "check"  # "check giúp": about the order, unless it follows a payment
    PRICE_WORD = "price_word"  # "giá": a question unless a price follows
    PAST = "past"  # past purchases: "hôm trước đặt", "năm ngoái mua"
    PAID = "paid"  # "ck rồi"
    PAY_VERB = "pay_verb"  # "ck", "chuyển khoản": a payment confirmation when "rồi" follows
    CHATTER = "chatter"  # praise, greetings, thanks
    SPAM = "spam"
    SPAM_SOFT = "spam_soft"  # "nhận mã", "kết bạn": spam when addressed to everyone
    AUDIENCE = "audience"  # "mọi người", "các bạn", "cả nhà"
    NEG = "neg"  # không/ko/k: a question particle at the end of a clause
    FINAL = "final"  # hả/à: a question particle at the end of a clause
    WH = "wh"  # nào, gì, mấy: interrogative words, unless indefinite ("nào cũng")
    VAY = "vay"  # vậy/thế/hơn closing a clause: a question only with "hay" (ALT)
    ALT = "alt"  # "X hay Y vậy": an either-or question
    QMARK = "qmark"
    ADDRESS = "address"  # numbers after these are house numbers, not quantities
    PHONE_WORD = "phone_word"
    SEND = "send"  # "gửi 28 Trần Phú": an address when a number follows
    DONE = "done"  # rồi / r
    NEUTRAL = "neutral"  # words that look like aliases ("tương tác", "vụ mùa")
    CLOSES_ASKING = "closes_asking"  # a clause-final "không"/"gì"/"nào": a yes/no or wh question
    IF = "if"  # "có", "thì": with a buying verb and a closing question, asks about terms
    KEEP = "keep"  # "vẫn lấy", "giữ nguyên": what a cancellation keeps


# The signals tested once or more per comment, as module constants: on Python 3.11 reading
# `Signal.PAID` goes through the enum's metaclass (~70 ns, against ~10 for a global).
S_ADDRESS = Signal.ADDRESS
S_ALT = Signal.ALT
S_ASK = Signal.ASK
S_ASK_CAN = Signal.ASK_CAN
S_ASK_DELIVERY = Signal.ASK_DELIVERY
S_ASK_TERMS = Signal.ASK_TERMS
S_ASK_WHEN = Signal.ASK_WHEN
S_AUDIENCE = Signal.AUDIENCE
S_BUY = Signal.BUY
S_CANCEL = Signal.CANCEL
S_CHECK = Signal.CHECK
S_CLOSES_ASKING = Signal.CLOSES_ASKING
S_DONE = Signal.DONE
S_IF = Signal.IF
S_NEG = Signal.NEG
S_NEUTRAL = Signal.NEUTRAL
S_PAID = Signal.PAID
S_PAST = Signal.PAST
S_PAY_VERB = Signal.PAY_VERB
S_PHONE_WORD = Signal.PHONE_WORD
S_PLUS = Signal.PLUS
S_PRICE_WORD = Signal.PRICE_WORD
S_QMARK = Signal.QMARK
S_SEND = Signal.SEND
S_SPAM = Signal.SPAM
S_SPAM_SOFT = Signal.SPAM_SOFT
S_STRONG_ORDER = Signal.STRONG_ORDER
S_VAY = Signal.VAY
S_WH = Signal.WH


NEGATIONS = ("không", "ko", "k", "kh", "khg", "hông", "hong", "hok", "hk", "khum", "hem", "kg")
ORDER_VERBS = ("lấy", "mua", "đặt", "chốt", "order", "oder", "cần")
PRONOUNS = ("em", "e", "mình", "mk", "mik", "chị", "c", "ch", "anh", "a", "tôi", "t", "tui",
            "cháu", "cô", "chú", "bác", "con", "tớ", "mị")  # fmt: skip

# fmt: off
KEYWORDS: dict[Signal, tuple[str, ...]] = {
    Signal.STRONG_ORDER: ("chốt", "chốt đơn", "chốt luôn", "đặt luôn", "lấy luôn", "chôt"),
    Signal.ORDER: (
        "lấy", "đặt", "đặt hàng", "muốn mua", "cần mua", "order", "oder", "book",
        "buy", "take", "want", "thêm", "ship cho", "gửi cho", "gởi cho", "để cho", "giữ cho",
        "đăng ký", "xin", "lấy thêm", "gom",
    ),
    Signal.BUY: ("mua", "mua hàng"),
    Signal.DONE: ("rồi", "r"),
    Signal.IF: ("có", "thì", "có được", "có đc", "có dc"),
    Signal.KEEP: (
        "vẫn lấy", "vẫn giữ", "giữ nguyên", "giữ lại", "giữ", "vẫn để", "vẫn đặt", "vẫn chốt",
    ),

    Signal.IB: ("ib", "inbox", "inb", "in box", "nhắn tin"),
    Signal.CANCEL: (
        "hủy", "huỷ", "hủy đơn", "cancel", "bỏ", "bớt", "xóa", "xoá", "xóa đơn", "thôi khỏi",
        "khỏi lấy", "không cần nữa", "ko cần nữa", "k cần nữa", "đổi ý", "hoàn đơn",
    ),
    Signal.ASK_TERMS: (
        "giảm giá", "giảm", "khuyến mãi", "khuyến mại", "freeship", "free ship", "miễn phí ship",
        "miễn ship", "miễn phí vận chuyển", "phí ship", "phí vận chuyển", "tiền ship",
        "ship bao nhiêu", "chiết khấu", "giá sỉ", "mua sỉ", "lấy sỉ", "ưu đãi", "voucher",
        "mã giảm giá", "bớt giá", "được tặng", "tặng gì", "tặng quà", "bớt không", "bớt ko",
        "bớt k", "bớt chút", "bớt tí",
        "bớt được", "bớt dc", "bớt đc", "bớt ít", "bao nhiêu", "bao nhiu", "bnhiu", "bn tiền",
        "bao tiền", "mấy tiền", "bn 1", "bn một", "bn vậy", "bn v", "bn z", "bn ạ", "bn shop",
        "nhiêu tiền", "hết bao nhiêu", "giá sao", "giá thế nào",
        "giá ntn", "giá như nào", "giá bao nhiêu", "giá ra sao", "giá bn", "giá j", "giá gì",
        "xin giá", "báo giá", "hỏi giá", "ib giá", "check giá", "how much", "price", "tặng kèm",
        "có quà", "quà tặng", "có tặng", "giá sỉ", "sale không",
    ),
    Signal.ASK_DELIVERY: (
        "chưa nhận", "chưa thấy", "chưa giao", "chưa tới", "chưa đến", "chưa về", "chưa có hàng",
        "chưa được giao", "chưa ship", "đơn của em", "đơn của mình", "đơn của e",
        "kiểm tra đơn", "check đơn", "tra đơn",
        "mã vận đơn", "giao chưa", "gửi chưa",
        "ship chưa", "gửi hàng chưa", "tới đâu rồi", "đến đâu rồi", "đơn em đâu",
    ),
    Signal.ASK_WHEN: (
        "bao giờ", "khi nào", "bao lâu", "mấy ngày", "mấy hôm", "mấy bữa", "bao nhiêu ngày",
        "bh", "bgio", "when", "mấy giờ",
    ),
    Signal.CHECK: (
        "check giúp", "kiểm tra giúp", "kiểm tra lại", "check lại", "check hộ", "kiểm tra hộ",
        "xem giúp", "xem hộ", "check dùm", "kiểm tra dùm",
    ),
    Signal.ASK: (
        "còn không", "còn ko", "còn k", "còn hông", "còn hàng", "còn size", "hết hàng",
        "hết chưa", "có sẵn", "available", "in stock", "có ship", "ship được", "ship dc",
        "ship đc", "ship không", "ship ko", "ship k", "cod", "thanh toán", "chuyển khoản được",
        "ck được", "ck dc", "ck đc", "trả tiền", "stk", "số tài khoản", "xuất xứ", "nguồn gốc",
        "ở đâu", "chỗ nào", "đâu rồi", "đâu vậy", "đâu thế", "lấy ở đâu", "lấy từ đâu",
        "chứng nhận", "chứng chỉ", "kiểm định", "xuất hóa đơn", "đổi trả", "đồng kiểm",
        "kiểm tra hàng", "hạn sử dụng", "hsd",
        "bảo quản", "để được bao lâu", "thật không", "có thật", "hàng thật", "có phải",
        "phải không", "là gì", "gì vậy", "gì thế", "gì z", "nào ngon",
        "thế nào", "như nào", "ntn", "ra sao", "sao", "tư vấn", "hỏi", "xin hỏi",
        "đúng không", "đúng ko", "đúng k", "có ngon", "ngon không", "có ngọt", "có chua",
        "có thơm", "khác gì", "khác nhau", "what", "where", "how", "do you",
        "is it", "can i", "xin stk", "xin số tài khoản", "xin địa chỉ", "xin info",
        "xin thông tin", "mấy kg", "mấy cân", "mấy lạng", "mấy quả", "mấy gói", "mấy hộp",
    ),
    Signal.ASK_CAN: (
        "được không", "được ko", "được k", "dc ko", "dc k", "đc ko", "đc k", "dc không",
        "đc không",
    ),
    Signal.PRICE_WORD: ("giá", "gia"),
    Signal.PAST: (
        "hôm trước", "hôm qua", "hôm bữa", "bữa trước", "bữa qua", "lần trước", "năm ngoái",
        "năm trước", "tháng trước", "tuần trước", "trước đây", "từng mua", "đã mua", "đã đặt",
        "đã lấy", "đã chốt", "đã order", "mua rồi", "đặt rồi", "chốt rồi", "lấy rồi",
        "đã nhận", "nhận được hàng", "nhận được rồi", "nhận hàng rồi", "đã dùng", "dùng rồi",
        "ăn rồi", "đã ăn", "mua lần", "hay mua", "hay đặt", "hay lấy", "thường mua", "thường đặt",
        "thường lấy", "vẫn mua", "đợt trước", "đợt rồi", "lần rồi", "dạo trước", "hqua",
        "hôm trc", "lần trc", "tuần trc", "tháng trc", "năm trc", "năm nào", "tháng nào",
        "tuần nào", "tết nào", "mùa nào", "lần nào cũng",
    ),
    Signal.PAID: (
        "ck rồi", "ck r", "ck xong", "đã ck", "chuyển khoản rồi", "đã chuyển khoản",
        "chuyển rồi", "đã chuyển", "chuyển tiền rồi", "đã chuyển tiền", "đã thanh toán",
        "thanh toán rồi", "bank rồi", "đã bank", "đã gửi tiền", "ck nhé", "ck nha",
    ),
    Signal.PAY_VERB: ("ck", "chuyển khoản", "chuyển tiền", "bank", "chuyển"),
    Signal.CHATTER: (
        "chúc mừng", "nhiều quá", "đông quá", "đắt hàng", "đắt khách", "đông khách", "bán chạy",
        "mỏi tay", "liên tục", "giá tốt", "giá rẻ", "giá hời", "giá mềm", "giá hợp lý",
        "giá ok", "đánh giá", "cảm ơn", "cám ơn", "thank", "thanks", "tks", "xin chào",
        "chào", "hello", "hi", "alo", "ủng hộ", "cho shop", "cho mọi người", "để sau",
        "lần sau", "hôm khác", "mai mốt", "tính sau", "suy nghĩ", "hỏi chồng", "hỏi vợ",
        "hỏi ý", "check ib", "rep ib", "xem ib", "trả lời ib", "like", "thả tim", "tym",
    ),
    Signal.SPAM: (
        "kiếm tiền", "thu nhập", "việc làm", "việc nhẹ", "tuyển", "ctv", "cộng tác viên",
        "lương cao", "mức lương", "lương cứng", "lương tháng", "trả lương",
        "kiếm quà", "nhận quà", "trúng thưởng", "vay tiền", "vay vốn",
        "giải ngân", "cá cược", "nhà cái", "casino", "http", "https", "www", "bit.ly",
        "follow", "theo dõi kênh", "đăng ký kênh", "click", "link", "tăng like",
        "tăng follow", "kết bạn zalo", "làm tại nhà", "vào nhóm", "vào group", "tham gia nhóm",
        "tham gia group", "join group", "join nhóm", "để nhận mã", "để nhận quà",
        "để nhận voucher", "săn mã", "săn voucher", "kiếm thêm", "thu nhập thêm",
        "mã giới thiệu", "đầu tư", "lợi nhuận",
        # sellers offering a service to everyone: "nhận ship hộ toàn quốc ib", "ai cần ib"
        "nhận ship", "nhận làm", "nhận order", "nhận vận chuyển", "nhận đặt hàng", "chuyên sỉ",
        "chuyên cung cấp", "ai cần", "dịch vụ",
    ),
    Signal.SPAM_SOFT: (
        "nhận mã", "nhận voucher", "nhận ưu đãi", "nhận thưởng", "kết bạn", "add zalo",
        "nhắn zalo", "liên hệ", "lh",
    ),
    Signal.AUDIENCE: (
        "mọi người", "mn", "các bạn", "cả nhà", "ae", "anh em", "anh chị em", "các chị",
        "các mẹ", "bà con",
    ),
    Signal.ADDRESS: (
        "giao về", "gửi về", "gởi về", "ship về", "chuyển về", "giao tới", "giao đến",
        "gửi tới", "gửi đến", "địa chỉ", "đ/c", "đc:", "dc:", "đ.c", "nhà ở", "ở số",
        "address", "giao hàng về", "giao tận",
    ),
    Signal.PHONE_WORD: (
        "sđt", "số đt", "đt", "số điện thoại", "điện thoại", "phone", "tel", "zalo", "sdt:",
    ),
    Signal.SEND: ("gửi", "gởi", "giao", "ship"),
    Signal.NEUTRAL: (
        "tương tác", "vụ mùa", "mùa vải", "xác nhận", "tưởng", "cam kết",
        "lấy ở", "lấy từ", "lấy tại", "nhập từ", "nhập ở",  # where the goods come from
    ),
    Signal.NEG: (*NEGATIONS, "chưa"),
    Signal.FINAL: ("hả", "hở", "hử", "à"),
    Signal.WH: ("nào", "gì", "j", "mấy", "đâu"),
    Signal.VAY: ("vậy", "v", "z", "zậy", "dợ", "thế", "hơn"),
    Signal.ALT: ("hay", "hay là"),
}
# fmt: on


def _generated() -> Iterator[tuple[str, Signal]]:
    """Negated verbs are cancellations ("ko lấy nữa"), unless asking "không đặt được?"."""
    for neg, verb in product(NEGATIONS, ORDER_VERBS):
        yield f"{neg} {verb}", Signal.CANCEL
        for can in ("được", "dc", "đc"):
            yield f"{neg} {verb} {can}", Signal.ASK
    for neg, can in product(NEGATIONS, ("được", "dc", "đc")):
        yield f"có {can} {neg}", Signal.ASK  # "lấy 2 hộp có được không": a polite request
    for neg in NEGATIONS:
        yield f"{neg} có gì", Signal.NEUTRAL  # "không có gì": you are welcome
        yield f"{neg} sao", Signal.NEUTRAL  # "không sao": no problem
    for pronoun in PRONOUNS:
        yield f"cho {pronoun}", Signal.ORDER
        yield f"cho {pronoun} hỏi", Signal.ASK
        yield f"bớt cho {pronoun} ít", Signal.ASK_TERMS
        yield f"bớt cho {pronoun} chút", Signal.ASK_TERMS
        yield f"bớt cho {pronoun} tí", Signal.ASK_TERMS
        yield f"cho {pronoun} xin", Signal.NEUTRAL  # "cho e xin stk" asks, "... xin 2 hộp" buys


def _entries() -> Iterator[tuple[str, Signal]]:
    for signal, phrases in KEYWORDS.items():
        for phrase in phrases:
            yield phrase, signal
    yield from _generated()


KEYWORD_INDEX: PhraseIndex[Signal] = PhraseIndex(_entries())

# After a negation these words leave it a question particle: "còn hàng không ạ", "thật ko hay".
QUESTION_TAIL = frozenset({
    "a", "ah", "ak", "shop", "sop", "ad", "admin", "nhi", "vay", "v", "z", "the", "ta", "chi",
    "c", "em", "e", "anh", "ban", "b", "hay", "ha", "ho", "oi", "ne", "nhe", "bn", "?",
    "ac", "ce", "s",
})  # fmt: skip

NO_SIGNALS: frozenset[Signal] = frozenset()
Clause = AbstractSet[Signal]  # the signals of one clause (the scanner's set, or a frozenset)
I_ORDER, I_CANCEL, I_QUESTION, I_OTHER = Intent.ORDER, Intent.CANCEL, Intent.QUESTION, Intent.OTHER
COMMIT = frozenset(
    {Signal.ORDER, Signal.BUY, Signal.STRONG_ORDER, Signal.IB, Signal.PLUS, Signal.KEEP}
)
NOT_COMMITTED = frozenset({Signal.PAST, Signal.PAID, Signal.CHATTER})
TERMS = frozenset({Signal.ASK_TERMS, Signal.ASK_DELIVERY})
QUESTIONS = frozenset({Signal.ASK, Signal.ASK_CAN, Signal.QMARK, Signal.ASK_WHEN})


def is_past(clause: Clause) -> bool:
    """ "hôm trước đặt ...", "mua bên này rồi": about an earlier purchase."""
    return S_PAST in clause or (S_BUY in clause and S_DONE in clause)


def commits(clause: Clause) -> bool:
    """A clause with a buying verb that is not about the past, a payment or praise."""
    # isdisjoint rather than `&`, which builds a set; is_past inline (a call per clause)
    return (
        not COMMIT.isdisjoint(clause)
        and NOT_COMMITTED.isdisjoint(clause)
        and not (S_PAST in clause or (S_BUY in clause and S_DONE in clause))
    )


def gives_no_items(clause: Clause) -> bool:
    """Products named in clauses about past purchases or payments are not ordered now."""
    return S_PAID in clause or is_past(clause)


DERIVED_FROM = frozenset({S_ALT, S_PAY_VERB, S_SPAM_SOFT, S_CHECK, S_IF, S_BUY})
CLOSING_QUESTION = frozenset({S_CLOSES_ASKING, S_ASK_CAN, S_QMARK, S_ASK_WHEN})


def asks_terms(clause: Clause) -> bool:
    """ "mua 2 hũ có được ship cod không", "đặt 3 hũ thì thanh toán kiểu gì", "mua 1 thùng ship
    ra Hà Nội mấy ngày": a purchase named only to ask about its terms."""
    if not clause & COMMIT or S_DONE in clause:
        return False
    if S_IF in clause and clause & CLOSING_QUESTION:
        return True
    return S_BUY in clause and S_ASK_WHEN in clause


def combine(clauses: Sequence[Clause]) -> tuple[Sequence[Clause], frozenset[Signal]]:
    """Signals that need a whole clause or comment, and every signal of the comment.

    In a clause: "X hay Y vậy" asks; "ck ... rồi" confirms a payment. In the comment: a soft spam
    phrase addressed to everyone is spam; "check giúp" after a payment is part of it, not a
    question about the order.
    """
    every = NO_SIGNALS.union(*clauses)
    if DERIVED_FROM.isdisjoint(every):  # most comments: the scanner's sets, read only from here
        return clauses, every
    result = list(map(frozenset, clauses))  # not a comprehension: a call of its own on 3.11
    for index, clause in enumerate(result):
        if S_ALT in clause and S_VAY in clause:
            result[index] = clause = clause | {S_ASK}
        if S_PAY_VERB in clause and S_DONE in clause:
            result[index] = clause = clause | {S_PAID}
        if asks_terms(clause):
            result[index] = clause | {S_ASK_TERMS}
    every = frozenset().union(*result)
    if S_SPAM_SOFT in every and S_AUDIENCE in every:
        result[0] |= {S_SPAM}
    if S_CHECK in every and S_PAID not in every:
        result = [c | {S_ASK_DELIVERY} if S_CHECK in c else c for c in result]
    return result, NO_SIGNALS.union(*result)


def decide_intent(clauses: Sequence[Clause], every: frozenset[Signal]) -> Intent | None:
    """Combine the signals of each clause (`every`: all of them, from `combine`).

    None when the signals leave it to the comment's shape: an order if a product comes with a
    quantity or a code (parse.py asks that only then), else other.
    """
    if S_SPAM in every:
        return I_OTHER
    if S_CANCEL in every:
        return I_CANCEL
    # (commits() only where a buying verb is: two Python calls spared for every other clause)
    committed = [] if COMMIT.isdisjoint(every) else list(filter(commits, clauses))
    if not TERMS.isdisjoint(every):  # (not `every & TERMS`: no set built)
        strong = any(S_STRONG_ORDER in c and not c & TERMS for c in committed)
        return I_ORDER if strong else I_QUESTION
    if not QUESTIONS.isdisjoint(every):
        if S_ASK_WHEN in every:  # "đặt 2 hộp rồi, bao giờ giao": about an earlier order
            committed = [clause for clause in committed if S_DONE not in clause]
        return I_ORDER if committed else I_QUESTION
    return I_ORDER if committed else None
