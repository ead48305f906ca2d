"""One group of invented comments per labelling rule (shared/data/comments/README.md).

Items are written compactly: "A01x2" is code A01, qty 2, no variant; "V05x1/2kg" has variant 2kg.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import orjson
import pytest

from aggregator.core.parser import Catalog, catalog_from_data, normalize_phone, parse_comment
from schema.parsing import CatalogProduct, ParsedComment

CATALOG = Path(__file__).resolve().parent.parent / "data" / "comments" / "catalog.json"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return catalog_from_data(orjson.loads(CATALOG.read_bytes()))


def items_of(parsed: ParsedComment) -> str:
    return " ".join(
        f"{i.code}x{i.qty}" + (f"/{i.variant}" if i.variant else "") for i in parsed.items
    )


def check(catalog: Catalog, text: str, intent: str, items: str, phone: str | None) -> None:
    parsed = parse_comment(text, catalog)
    assert (parsed.intent.value, items_of(parsed), parsed.phone) == (intent, items, phone), text


ORDERS = [
    ("chốt A01", "A01x1"),
    ("chot a01 x2", "A01x2"),
    ("CHỐT B02 X3", "B02x3"),
    ("lấy 2 túi st25 nha", "A01x2"),
    ("lay 2 tui st25", "A01x2"),
    ("đặt 1 hũ mắm tôm", "M01x1"),
    ("dat 3 chai nuoc mam", "M03x3"),
    ("mua 2 hộp bánh đậu xanh", "B03x2"),
    ("cho em 2 gói kẹo lạc", "K01x2"),
    ("cho e 1 bó su su", "S01x1"),
    ("cho mình 3 chai tương", "05x3"),
    ("ship cho mình 2 hộp nem", "N01x2"),
    ("thêm 1 hộp bánh cáy nữa nhé", "B01x1"),
    ("+1 B01", "B01x1"),
    ("+1", ""),
    ("ib", ""),
    ("ib e nha shop", ""),
    ("chốt", ""),
    ("Chốt đơn ạ", ""),
    ("lấy 3", ""),
    ("e cũng lấy 1 như bạn trên", ""),
    ("A03", "A03x1"),
    ("k01", "K01x1"),
    ("K01 x5", "K01x5"),
    ("nem chua 3 hộp", "N01x3"),
    ("3 hộp nem", "N01x3"),
    ("st25 x2", "A01x2"),
    ("order A02 3 pcs", "A02x3"),
    ("order 2 pcs B01 please", "B01x2"),
    ("I want A01 x2", "A01x2"),
    ("buy 2 A03", "A03x2"),
    ("em muốn mua 1 hũ nhút", "12x1"),
    ("chốt 1 chai tương nam đàn và 2 túi bánh đa vừng", "05x1 08x2"),
    ("lấy 1 nem 1 bánh cáy 1 kẹo lạc", "N01x1 B01x1 K01x1"),
    ("a01 2 túi, b01 1 hộp", "A01x2 B01x1"),
    ("a01 2 túi b01 1 hộp", "A01x2 B01x1"),
    ("2 túi a01, 1 hộp b01", "A01x2 B01x1"),
    ("A01 x2 + B02 x1 + K01 x3", "A01x2 B02x1 K01x3"),
    ("lấy A01 và B02 mỗi thứ 2", "A01x2 B02x2"),
    ("nem chua, bánh cáy mỗi loại 1 hộp", "N01x1 B01x1"),
    ("e lấy 2 hộp nem 😍😍", "N01x2"),
    ("🔥 chốt A01 x1 🔥", "A01x1"),
    ("nem chua nhé shop", "N01x1"),
]


@pytest.mark.parametrize(("text", "items"), ORDERS)
def test_orders(catalog: Catalog, text: str, items: str) -> None:
    check(catalog, text, "order", items, None)


CODES = [
    ("chốt a1", "A01x1"),
    ("chốt A 01", "A01x1"),
    ("chốt a-01 x2", "A01x2"),
    ("chốt a.01", "A01x1"),
    ("lấy V5 2kg", "V05x1/2kg"),
    ("B3 x 4", "B03x4"),
    ("b 3 x 4", "B03x4"),
    ("mã 5 x2", "05x2"),
    ("ma 05 x2", "05x2"),
    ("Mã 8 sl 3", "08x3"),
    ("mã số 12 x1", "12x1"),
    ("chốt mã 12", "12x1"),
    ("mã A01 x2", "A01x2"),
    ("08 x2", "08x2"),
    ("12 x3", "12x3"),
    ("chốt 05 x 4", "05x4"),
    ("lấy 12 hũ nhút", "12x12"),
    ("chốt 5 hộp nem", "N01x5"),
    ("chốt mã A09 x2", ""),
    ("chốt A09, A01 x1", "A01x1"),
    ("mã 15 x2", ""),
    ("chot a01x2", "A01x2"),
    ("chốt 08 2 túi", "08x2"),
    ("lấy 05 hộp nem", "N01x5"),
    ("chốt mã 08 và mã 12 mỗi mã 1", "08x1 12x1"),
    ("e chốt A1 A2 A3 mỗi loại 1 túi", "A01x1 A02x1 A03x1"),
]


@pytest.mark.parametrize(("text", "items"), CODES)
def test_codes(catalog: Catalog, text: str, items: str) -> None:
    check(catalog, text, "order", items, None)


PRONOUN_LETTERS = [
    ("c lấy 2 hộp nem", "N01x2"),  # c = chị, not C02
    ("a lấy 2 túi st25", "A01x2"),  # a = anh
    ("cho c 2 hộp nem", "N01x2"),
    ("e lấy 2 bộ A03 ạ", "A03x2"),
    ("m cho 2 hũ mật ong", "M02x2"),
]


@pytest.mark.parametrize(("text", "items"), PRONOUN_LETTERS)
def test_pronouns_that_look_like_code_letters(catalog: Catalog, text: str, items: str) -> None:
    check(catalog, text, "order", items, None)


ALIASES = [
    ("mật ong nhãn 1l", "M02x1/1l"),  # longest alias: not N02 (nhãn)
    ("mật ong hoa nhãn 500ml x2", "M02x2/500ml"),
    ("nhãn lồng 1kg", "N02x1/1kg"),
    ("nhãn hưng yên 2kg", "N02x1/2kg"),
    ("bánh đa vừng x3", "08x3"),
    ("bánh đậu xanh 2 hộp", "B03x2"),
    ("mắm tôm hậu lộc 1 hũ", "M01x1"),
    ("nước mắm ba làng 2 chai", "M03x2"),
    ("2 túi gạo nếp", "A02x2"),
    ("nếp cái hoa vàng 1 túi", "A02x1"),
    ("gạo bắc hương 2 túi", "A03x2"),
    ("ngọn su su 3 bó", "S01x3"),
    ("2 hũ nhút thanh chương", "12x2"),
    ("chè thanh chương 500g 1 gói", "C02x1/500g"),
    ("2 túi ST 25", "A01x2"),
    ("nhan long 2kg", "N02x1/2kg"),
    ("mat ong 1 lit x2", "M02x2/1l"),
    ("banh gai ninh giang 2 chuc", "B02x2"),
]


@pytest.mark.parametrize(("text", "items"), ALIASES)
def test_aliases(catalog: Catalog, text: str, items: str) -> None:
    check(catalog, text, "order", items, None)


QUANTITIES = [
    ("A01 x2", "A01x2"),
    ("A01 X 2", "A01x2"),
    ("A01 *2", "A01x2"),
    ("A01 * 3", "A01x3"),
    ("A01 sl2", "A01x2"),
    ("A01 sl: 3", "A01x3"),
    ("A01 sl 4", "A01x4"),
    ("A01 số lượng 4", "A01x4"),
    ("A01 so luong 5", "A01x5"),
    ("A01 2c", "A01x2"),
    ("lấy 2c nem", "N01x2"),
    ("A01 2 cái", "A01x2"),
    ("bánh cáy 2 hộp", "B01x2"),
    ("st25 3 túi", "A01x3"),
    ("tương 2 chai", "05x2"),
    ("nhút 2 hũ", "12x2"),
    ("kẹo lạc 4 gói", "K01x4"),
    ("su su 2 bó", "S01x2"),
    ("cam vinh 1 thùng", "C01x1"),
    ("A03 2 bộ", "A03x2"),
    ("lấy hai hộp nem", "N01x2"),
    ("lấy ba túi st25", "A01x3"),
    ("lấy một hũ mắm tôm", "M01x1"),
    ("bốn gói kẹo lạc", "K01x4"),
    ("A01 2 pcs", "A01x2"),
    ("ba chục bánh gai", "B02x3"),
    ("bánh gai 2 chục", "B02x2"),
    ("S01 X 10", "S01x10"),
    ("A01 × 2", "A01x2"),
]


@pytest.mark.parametrize(("text", "items"), QUANTITIES)
def test_quantities(catalog: Catalog, text: str, items: str) -> None:
    check(catalog, text, "order", items, None)


NOT_QUANTITIES = [
    ("chốt 2 túi st25 180k", "A01x2"),  # price
    ("st25 180k lấy 1 túi", "A01x1"),
    ("lấy 1 st25 giá 180.000đ", "A01x1"),
    ("chốt 3 hộp nem hết 180 nghìn", "N01x3"),
    ("1tr2 5 túi st25 chốt", "A01x5"),
    ("chốt A01, giao 12 Lý Thường Kiệt", "A01x1"),  # house number
    ("chốt A01 gửi về xóm 5 thôn Đông", "A01x1"),
    ("chốt A01 số 12 ngõ 34 Hàng Bạc", "A01x1"),
    ("em lấy 1 túi gạo 5kg A03", "A03x1"),  # weight in the product name
    ("st25 5kg x2", "A01x2"),
    ("nếp cái hoa vàng 2kg x3", "A02x3"),
    ("gạo nếp túi 2kg lấy 2 túi", "A02x2"),
    ("chốt A01 năm 2025", "A01x1"),  # year
    ("chốt A01 đơn hàng #12345", "A01x1"),  # order id
    ("A01 x2 giao thứ 7 nhé", "A01x2"),  # weekday
    ("A01 x2 ship trước 5h chiều", "A01x2"),
    ("lấy 2 túi st25 ship 2 ngày", "A01x2"),
]


@pytest.mark.parametrize(("text", "items"), NOT_QUANTITIES)
def test_numbers_that_are_not_quantities(catalog: Catalog, text: str, items: str) -> None:
    check(catalog, text, "order", items, None)


VARIANTS = [
    ("vải thiều 1 cân x5", "V05x5/1kg"),
    ("lấy 1 ký vải", "V05x1/1kg"),
    ("vải 1kg", "V05x1/1kg"),
    ("vải 1 kg", "V05x1/1kg"),
    ("vải 1 kí x2", "V05x2/1kg"),
    ("2 cân vải", "V05x1/2kg"),  # a weight that is a variant is not a quantity
    ("vải 5 cân", "V05x1/5kg"),
    ("vải thiều 3 cân", "V05x1"),  # 3kg is not a variant
    ("tôm khô 5 lạng", "T01x1/500g"),
    ("tôm khô nửa cân", "T01x1/500g"),
    ("tôm khô 2 lạng x3", "T01x3/200g"),
    ("tôm nõn 200g", "T01x1/200g"),
    ("t01 nửa ký x2", "T01x2/500g"),
    ("mật ong nửa lít", "M02x1/500ml"),
    ("mật ong 1 lít", "M02x1/1l"),
    ("mật ong 1L", "M02x1/1l"),
    ("mật ong 1l x2", "M02x2/1l"),
    ("mật ong 0.5l", "M02x1/500ml"),
    ("mat ong nua lit 2 hu", "M02x2/500ml"),
    ("mật ong 500ml", "M02x1/500ml"),
    ("2 hộp mật ong 1 lít", "M02x2/1l"),
    ("cam vinh 3 ký 1 thùng", "C01x1/3kg"),
    ("cam 5kg x2", "C01x2/5kg"),
    ("chè búp 200g 2 gói", "C02x2/200g"),
    ("chè xanh 500g 1 gói, 200g 2 gói", "C02x1/500g C02x2/200g"),
    ("vải 1kg x2, nhãn 2kg x1", "V05x2/1kg N02x1/2kg"),
    ("1kg vải, 2kg nhãn", "V05x1/1kg N02x1/2kg"),
    ("mật ong x2", "M02x2"),  # no variant named
    ("nem chua 500g", "N01x1"),  # product without variants: always null
    ("nhãn 1 cân rưỡi", "N02x1"),
]


@pytest.mark.parametrize(("text", "items"), VARIANTS)
def test_variants(catalog: Catalog, text: str, items: str) -> None:
    check(catalog, text, "order", items, None)


PHONES = [
    ("chốt A01 0912345678", "0912345678"),
    ("sdt 0912.345.678", "0912345678"),
    ("sđt: 0912-345-678", "0912345678"),
    ("đt 0912 345 678", "0912345678"),
    ("0912 34 56 78", "0912345678"),
    ("+84 912 345 678", "0912345678"),
    ("+84912345678", "0912345678"),
    ("(+84) 912 345 678", "0912345678"),
    ("84912345678", "0912345678"),
    ("sđt 0361234456", "0361234456"),
    ("0521234666", "0521234666"),
    ("0701 234 456", "0701234456"),
    ("0861.234.000", "0861234000"),
    ("０９１２３４５６７８", "0912345678"),  # full-width digits
    ("sđt 0227 3812 345", None),  # landline
    ("0243 123 4567", None),
    ("0912 345 67", None),  # too short
    ("091234567890", None),  # too long
    ("0112345678", None),  # no such mobile prefix
    ("không có số", None),
    ("chốt A01 x2 0912345678 hoặc 0987654321", "0912345678"),
]


@pytest.mark.parametrize(("text", "phone"), PHONES)
def test_phone_numbers(catalog: Catalog, text: str, phone: str | None) -> None:
    assert parse_comment(text, catalog).phone == phone


def test_phone_digits_never_become_quantities(catalog: Catalog) -> None:
    check(catalog, "chốt A01 sđt 0912 345 678", "order", "A01x1", "0912345678")
    check(catalog, "chot 2 hop banh cay, sdt 0912 345 67", "order", "B01x2", None)
    check(catalog, "A01 x2 0912345678", "order", "A01x2", "0912345678")


def test_phone_is_kept_for_every_intent(catalog: Catalog) -> None:
    check(catalog, "kiếm tiền online liên hệ 0961234999", "other", "", "0961234999")
    check(catalog, "0981234111 tư vấn giúp em", "question", "", "0981234111")
    check(catalog, "HỦY ĐƠN sđt 0911234000", "cancel", "", "0911234000")


@pytest.mark.parametrize(
    ("raw", "phone"),
    [
        ("0912345678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("84-912-345-678", "0912345678"),
        ("(+84)912.345.678", "0912345678"),
        ("+84 0912 345 678", "0912345678"),
        ("02273812345", None),
        ("12345", None),
        ("", None),
    ],
)
def test_normalize_phone(raw: str, phone: str | None) -> None:
    assert normalize_phone(raw) == phone


CANCELS = [
    ("hủy đơn", ""),
    ("huỷ đơn giúp em", ""),
    ("huy don", ""),
    ("HỦY ĐƠN", ""),
    ("cancel", ""),
    ("thôi e không lấy nữa", ""),
    ("ko lay nua nhe shop", ""),
    ("k lấy nữa", ""),
    ("e ko mua nữa đâu", ""),
    ("xóa đơn giúp e", ""),
    ("hủy A01", "A01x1"),
    ("huy don a01", "A01x1"),
    ("cancel order A03", "A03x1"),
    ("bỏ mã A01 nha shop", "A01x1"),
    ("bỏ b02 ra khỏi đơn giúp e", "B02x1"),
    ("k lấy M02 nữa nhé", "M02x1"),
    ("không lấy nem nữa", "N01x1"),
    ("hủy mã 05 x2", "05x2"),
    ("hủy V05 2kg giúp chị", "V05x1/2kg"),
    ("hủy 2 hộp nem", "N01x2"),
    ("bớt 1 hộp nem", "N01x1"),  # partial reduction: the quantity removed
    ("bớt 1 hộp nem chua nhé, còn 1 thôi", "N01x1"),
    ("hủy 1 hộp bánh cáy, lấy 2 thôi", "B01x1"),
    ("bỏ 2 bó su su", "S01x2"),
    ("hủy mật ong 1 lít", "M02x1/1l"),
]


@pytest.mark.parametrize(("text", "items"), CANCELS)
def test_cancels(catalog: Catalog, text: str, items: str) -> None:
    check(catalog, text, "cancel", items, None)


QUESTIONS = [
    "giá bao nhiêu vậy shop",
    "gia bao nhieu",
    "A01 giá bao nhiêu",
    "giá A01?",
    "mật ong 1 lít giá sao shop",
    "nem bn 1 hộp vậy",
    "How much is A01?",
    "A01 còn không ạ",
    "còn hàng không shop",
    "vải thiều 5kg còn hàng ko ạ",
    "ship COD được không ạ",
    "có ship về Đà Nẵng không",
    "ship về Huế mấy ngày?",
    "shop ở đâu vậy",
    "shop o dau vay",
    "mật ong có nguyên chất không shop",
    "tôm khô này của Diêm Điền thật không hay tôm Trung Quốc",
    "có giấy chứng nhận OCOP không",
    "bánh gai có nhân đỗ không shop",
    "mã 12 là gì vậy ạ",
    "tư vấn giúp em loại gạo nào dẻo",
    "cho mình hỏi nem có cay không",
    "cho e xin stk",
    "thanh toán kiểu gì shop",
    "hạn sử dụng của nem bao lâu",
    "e đặt từ thứ 2 sao giờ chưa nhận được hàng vậy shop",
    "đơn của em bao giờ giao vậy",
    "hôm qua em chốt A01 mà chưa thấy giao",
    "khi nào có vải thiều shop",
    "mua 5 túi A01 có được giảm giá không",  # a question about terms stays a question
    "lấy 5 hộp nem có freeship ko",
    "st25 nay là gạo vụ mùa 2024 hay 2025 vậy?",
    "cam vinh ngot k chi, nha e o Hai Phong ship dc ko",
    "shop bớt giá không",
    "a02 đâu shop",
    "có mã giảm giá không shop",
    "kiểm tra giúp e đơn hôm qua với",
    "e đợi mãi chưa thấy ship",
]


@pytest.mark.parametrize("text", QUESTIONS)
def test_questions(catalog: Catalog, text: str) -> None:
    check(catalog, text, "question", "", None)


QUESTION_WITH_COMMITMENT = [
    ("A01 còn không, còn thì chốt 2 túi", "A01x2"),
    ("em lấy A01 2 túi 180k đúng k", "A01x2"),
    ("cho e lấy hai hộp nem dc ko shop", "N01x2"),
    ("còn vải không ạ, còn thì e lấy 2kg", "V05x1/2kg"),
    ("chốt 2 hộp nem, ship về Hà Nội mấy ngày ạ", "N01x2"),
    ("cho mình 2 túi st25 được không", "A01x2"),
]


@pytest.mark.parametrize(("text", "items"), QUESTION_WITH_COMMITMENT)
def test_question_with_a_buying_commitment_is_an_order(
    catalog: Catalog, text: str, items: str
) -> None:
    check(catalog, text, "order", items, None)


OTHERS = [
    "chào shop ạ",
    "xin chào từ Nghệ An 👋",
    "HELLO SHOP",
    "alo alo",
    "🥰🥰",
    "hay quá ❤️❤️❤️",
    "cảm ơn shop nhiều",
    "cam on shop nhiu",
    "e ck r nha",
    "ck rồi ạ",
    "Đã chuyển khoản rồi nhé",
    "gạo st25 ngon lắm",  # product without buying intent
    "vải năm nay quả to thật",
    "mẹ em ở Thái Bình cũng làm bánh cáy",
    "nhà em trồng cam vinh 20 năm rồi",
    "hôm trước đặt 2 hộp nem giao nhanh lắm",  # past purchase
    "năm ngoái mua A01 bên này rồi, ăn dẻo thơm lắm",
    "đã nhận được hàng, mật ong thơm lắm shop ơi",
    "chot don nhieu qua chuc mung shop",
    "chúc shop đắt hàng",
    "Like share tương tác cho shop nè",
    "ủng hộ hàng Việt, ủng hộ OCOP",
    "Kiếm tiền online 500k/ngày, ib mình",  # spam
    "tuyển cộng tác viên bán hàng online",
    "để e hỏi chồng đã",
    "thôi để lần sau",
    "shop rep ib e với",
    "xin chào shop, chúc shop buôn may bán đắt",
    "Bán sim số đẹp 0912345678 liên hệ",
]


@pytest.mark.parametrize("text", OTHERS)
def test_other(catalog: Catalog, text: str) -> None:
    parsed = parse_comment(text, catalog)
    assert (parsed.intent.value, parsed.items) == ("other", []), text


def test_diacritics_case_and_spacing_do_not_matter(catalog: Catalog) -> None:
    variants = ["chốt 2 hộp nem", "chot 2 hop nem", "CHỐT 2 HỘP NEM", "Chốt  2   hộp nem"]
    assert {items_of(parse_comment(v, catalog)) for v in variants} == {"N01x2"}


def test_decomposed_unicode_is_handled(catalog: Catalog) -> None:
    text = unicodedata.normalize("NFD", "chốt 2 hộp bánh cáy")
    check(catalog, text, "order", "B01x2", None)


def test_words_with_other_diacritics_are_not_aliases(catalog: Catalog) -> None:
    check(catalog, "cảm ơn shop, chốt A01", "order", "A01x1", None)  # cảm is not cam
    check(catalog, "vài hôm nữa lấy 2 hộp nem", "order", "N01x2", None)  # vài is not vải


def test_a_new_catalog_is_used_as_given() -> None:
    product = CatalogProduct(
        code="d7", name="Xoài", aliases=["xoài cát"], price=1, variants=["1kg"]
    )
    catalog = Catalog([product])
    check(catalog, "chốt D7 1 ký", "order", "D7x1/1kg", None)
    check(catalog, "chốt d07 x2", "order", "D7x2", None)
    check(catalog, "2 cân xoài cát", "order", "D7x1", None)
