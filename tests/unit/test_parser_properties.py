"""Properties of the parser on arbitrary text: it never raises and always keeps the contract."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
from hypothesis import HealthCheck, given, settings, strategies as st

from aggregator.core.parser import Catalog, catalog_from_data, normalize_phone, parse_comment
from schema.parsing import Intent, ParsedComment

CATALOG_PATH = Path(__file__).resolve().parent.parent / "data" / "comments" / "catalog.json"
CATALOG = catalog_from_data(orjson.loads(CATALOG_PATH.read_bytes()))
PHONE_RE = re.compile(r"^0[35789]\d{8}$")
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces of real comments, so generated text exercises the rules and not only random noise.
FRAGMENTS = [
    "chốt", "chot", "lấy", "hủy", "bớt", "ko lấy nữa", "giá", "bao nhiêu", "còn không", "?",
    "A01", "a 1", "b-02", "mã 5", "ma 08", "12", "08", "x2", "X 3", "*4", "sl: 2", "2c",
    "hai", "ba chục", "hộp", "túi", "st25", "mật ong nhãn", "nhãn", "vải", "nem chua",
    "1 cân", "nửa cân", "5 lạng", "nửa lít", "1L", "2kg", "500ml", "180k", "1tr2", "2024",
    "+84 912 345 678", "0912.345.678", "0227 3812 345", "+1", "ib", "ck rồi", ",", ".", "và",
    "+", "mỗi thứ 1", "giao về 12 Lý Thường Kiệt", "xóm 5", "😍", "🔥🔥", "ạ", "nhé shop",
]  # fmt: skip
comment_text = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(FRAGMENTS), max_size=12).map(" ".join),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)), max_size=10).map("".join),
)


def assert_valid(parsed: ParsedComment, catalog: Catalog) -> None:
    ParsedComment.model_validate(parsed.model_dump())
    assert parsed.phone is None or PHONE_RE.match(parsed.phone)
    if parsed.intent not in (Intent.ORDER, Intent.CANCEL):
        assert parsed.items == []
    for item in parsed.items:
        product = catalog.products[item.code]
        assert isinstance(item.qty, int)
        assert item.qty >= 1
        assert item.variant is None or item.variant in product.variants


@FAST
@given(comment_text)
def test_never_raises_and_output_is_valid(text: str) -> None:
    assert_valid(parse_comment(text, CATALOG), CATALOG)


@FAST
@given(comment_text)
def test_same_input_gives_the_same_output(text: str) -> None:
    first = parse_comment(text, CATALOG)
    assert parse_comment(text, CATALOG) == first
    assert [i.code for i in parse_comment(text, CATALOG).items] == [i.code for i in first.items]


@FAST
@given(st.text(alphabet="0123456789 +.-()", max_size=24))
def test_phone_normalisation_is_idempotent(raw: str) -> None:
    phone = normalize_phone(raw)
    assert phone is None or PHONE_RE.match(phone)
    if phone is not None:
        assert normalize_phone(phone) == phone


@FAST
@given(
    st.sampled_from("35789"),
    st.text(alphabet="0123456789", min_size=8, max_size=8),
    st.sampled_from(["0{p}{r}", "+84{p}{r}", "84{p}{r}", "(+84) {p}{r}", "+84 0{p}{r}"]),
    st.sampled_from(["", " ", ".", "-"]),
)
def test_any_writing_of_a_mobile_is_found(prefix: str, rest: str, shape: str, sep: str) -> None:
    grouped = sep.join([rest[:2], rest[2:5], rest[5:]])
    text = "chốt A01 sđt " + shape.format(p=prefix, r=grouped)
    assert parse_comment(text, CATALOG).phone == f"0{prefix}{rest}"


@FAST
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=12).map(" ".join))
def test_case_and_diacritics_free_typing_keeps_codes(text: str) -> None:
    upper = parse_comment(text.upper(), CATALOG)
    assert_valid(upper, CATALOG)
