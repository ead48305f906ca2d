"""What a buyer's question asks: the kinds chotdon can answer from its own data, and the rest.

The parser says a comment is a question; this says which one. Cues are matched on the folded
comment (no diacritics, lower case), so "giá bao nhiêu", "gia bn" and "Giá?" read alike. A
comment that asks two answerable things at once ("giá bn, ship về Huế mấy ngày") is MIXED: one
automatic answer would leave half unanswered, so a person answers it. Questions about terms
(discounts, gifts), taste or quality, or a parcel already sent are OTHER / ORDER_STATUS: a person
answers them too. Pure.
"""

from __future__ import annotations

import re
from enum import StrEnum

from aggregator.core.addresses import fold_text


class QuestionKind(StrEnum):
    PRICE = "price"
    STOCK = "stock"
    VARIANTS = "variants"
    ORIGIN = "origin"
    SHIPPING = "shipping"
    PAYMENT = "payment"
    ORDER_STATUS = "order_status"  # "when will my parcel arrive": a person looks at the order
    MIXED = "mixed"  # two answerable kinds in one comment
    OTHER = "other"  # terms, quality, anything else


ANSWERABLE = (
    QuestionKind.PRICE,
    QuestionKind.STOCK,
    QuestionKind.VARIANTS,
    QuestionKind.ORIGIN,
    QuestionKind.SHIPPING,
    QuestionKind.PAYMENT,
)


def _cues(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(patterns) + r")\b")


# Asking what something is, or for advice: a person answers unless an answerable kind is asked.
_VAGUE = _cues(r"tu van", r"la gi", r"la sao")
# Terms and quality: never answered automatically, whatever else the comment asks.
_TERMS = _cues(
    r"giam gia", r"giam", r"bot gia", r"bot", r"khuyen mai", r"km", r"tang kem", r"tang",
    r"qua tang", r"free ?ship", r"mien phi", r"freeship", r"sale", r"ma giam", r"voucher",
    r"uu dai", r"chiet khau", r"si", r"gia si", r"lay si", r"dai ly", r"ctv",
    r"ngon", r"ngot", r"deo", r"thom", r"tuoi", r"an duoc", r"bao quan", r"ban le",
    r"han su dung", r"hsd", r"de duoc", r"dung the nao", r"cach dung", r"an the nao",
    r"vu mua", r"vu nao", r"(?<!chung )nhan (?:do|gi|thit)", r"doi tra", r"hoan",
    r"bao hanh", r"that khong", r"co that", r"gia re", r"re hon",
    r"trung quoc", r"tq", r"hang that", r"hang gia", r"bao lau thi het", r"co ve",
)  # fmt: skip
_ORDER_STATUS = _cues(
    r"chua nhan", r"chua thay", r"chua toi", r"chua den", r"chua giao",
    r"don cua (?:em|e|minh|toi|chi|c|a|anh)",
    r"don (?:hom|tuan|thu)", r"dat (?:tu|hom|tuan)", r"bao gio (?:toi|den|giao|nhan)",
    r"khi nao (?:toi|den|giao|nhan)", r"ma van don", r"van don", r"don hang (?:cua|da)",
    r"da gui chua", r"gui chua", r"ship chua", r"giao chua",
)  # fmt: skip
_PAYMENT = _cues(
    r"ck", r"chuyen khoan", r"stk", r"so tai khoan", r"tai khoan", r"tk", r"thanh toan",
    r"tt", r"cod", r"tra tien", r"tra sau", r"qr", r"vietqr", r"tien mat", r"momo",
    r"quet ma", r"ngan hang", r"bank", r"kiem hang", r"xem hang", r"nhan hang (?:roi|moi) tra",
)  # fmt: skip
_SHIPPING = _cues(
    r"ship", r"sip", r"giao", r"van chuyen", r"phi ship", r"phi giao", r"mat may ngay",
    r"may ngay", r"bao nhieu ngay", r"bao lau", r"may hom", r"chuyen phat",
    r"gui (?:ve|ra|vao)",
    r"nhan duoc", r"toi noi", r"shipping", r"delivery",
)  # fmt: skip
_ORIGIN = _cues(
    r"xuat xu", r"nguon goc", r"ocop", r"chung nhan", r"giay chung nhan", r"vietgap", r"viet gap",
    r"huu co", r"organic", r"san xuat (?:o|tai) dau", r"lam (?:o|tai) dau", r"o dau san xuat",
    r"cua (?:htx|hop tac xa)", r"hang (?:o|tai) dau", r"tu dau", r"may sao", r"sao ocop",
    r"giay to", r"kiem dinh", r"lay (?:o|tu) dau", r"truy xuat", r"que o dau", r"dat san",
    r"cua tinh nao",
    r"(?:gao|mat ong|nem|mam|banh|che|tom|cam|vai|nhan|keo|tuong|nhut)\w* (?:o|tu) dau",
)  # fmt: skip
_VARIANTS = _cues(
    r"loai nao", r"may loai", r"co loai", r"nhung loai", r"cac loai", r"loai gi", r"size",
    r"phan loai", r"co (?:hu|chai|hop|tui|goi) (?:nho|to|lon)", r"co ban (?:le|nho|to)",
    r"co (?:\d+(?:[.,]\d+)?|nua) ?(?:kg|ky|ki|can|lang|g|gr|gam|ml|l|lit)\b",
    r"(?:\d+(?:[.,]\d+)?|nua) ?(?:kg|ky|ki|can|lang|g|gr|gam|ml|l|lit) (?:khong|ko|k|hong|ha)\b",
    r"ban (?:theo|may) (?:can|ky|kg|lit)", r"co ban (?:\d|nua)", r"dong (?:goi|hop|chai) may",
    r"may (?:can|ky|kg|lang|lit|gram)", r"nang bao nhieu",
    r"bao nhieu (?:gam|gram|g|can|ky|kg|ml|lit)",
)  # fmt: skip
_STOCK = _cues(
    r"con (?:khong|ko|k|hong|kh|hok|ko a|k a|hang|ha|nhieu khong|bao nhieu|may|ko shop)",
    r"con(?= *\?)", r"het (?:hang )?(?:chua|roi a|roi ha|ch)", r"het chua", r"con ko", r"co san",
    r"con khong", r"con hang", r"con hok", r"in stock", r"sold out", r"chay hang", r"het hang chua",
    r"co hang (?:khong|ko|k)", r"con suat", r"con slot", r"con (?:size|loai)",
)  # fmt: skip
_PRICE = _cues(
    r"gia", r"bao nhieu tien", r"nhieu tien", r"bn", r"bnh", r"bao tien", r"may tien",
    r"may k", r"bao nhieu 1", r"bao nhieu mot", r"how much", r"price", r"gia ca",
    r"bao nhieu (?:vay|z|v|a|shop|sh|s|ha|the|day|nhi)", r"bao nhieu(?= *\??$)", r"het bao nhieu",
    r"tinh sao", r"tinh the nao", r"bao nhieu 1 (?:hop|tui|hu|chai|goi|kg|ky|can|bo)",
)  # fmt: skip
_NOT_PRICE = re.compile(
    r"\b(?:phi ship|phi giao|phi van chuyen|van chuyen|ship|giao|ngay|con bao nhieu|con may|"
    r"bao nhieu ngay|may ngay|"
    r"bao nhieu (?:gam|gram|g|can|ky|kg|ml|lit|cai|chiec|qua|hu|hop|tui|chai|goi))\b"
)


def _shipping(folded: str) -> bool:
    return _SHIPPING.search(folded) is not None


def _price(folded: str) -> bool:
    if _PRICE.search(folded) is None:
        return False
    if re.search(r"\bgia\b", folded):
        return True  # "giá" names the price even beside "ship"
    return _NOT_PRICE.search(folded) is None


def found_kinds(text: str) -> list[QuestionKind]:
    """Every answerable kind the comment asks about, in the order of ANSWERABLE."""
    folded = fold_text(text)
    found: list[QuestionKind] = []
    if _price(folded):
        found.append(QuestionKind.PRICE)
    if _STOCK.search(folded):
        found.append(QuestionKind.STOCK)
    if _VARIANTS.search(folded):
        found.append(QuestionKind.VARIANTS)
    if _ORIGIN.search(folded):
        found.append(QuestionKind.ORIGIN)
    payment = _PAYMENT.search(folded) is not None
    if _shipping(folded) and not (payment and re.search(r"\bship cod\b", folded)):
        found.append(QuestionKind.SHIPPING)
    if payment:
        found.append(QuestionKind.PAYMENT)
    return found


def classify(text: str) -> QuestionKind:
    """The one kind of a question comment (see the module's docstring)."""
    folded = fold_text(text)
    if _ORDER_STATUS.search(folded):
        return QuestionKind.ORDER_STATUS
    if _TERMS.search(folded):
        return QuestionKind.OTHER
    kinds = found_kinds(text)
    if not kinds and _VAGUE.search(folded):
        return QuestionKind.OTHER
    if QuestionKind.VARIANTS in kinds and QuestionKind.PRICE in kinds:
        kinds.remove(QuestionKind.VARIANTS)  # "1 lít giá sao": the price of that variant
    if QuestionKind.VARIANTS in kinds and QuestionKind.STOCK in kinds:
        kinds.remove(QuestionKind.VARIANTS)  # "5kg còn không": the stock of that variant
    if len(kinds) == 1:
        return kinds[0]
    return QuestionKind.MIXED if kinds else QuestionKind.OTHER
