"""The pure core of the question inbox: kinds, products named, provinces, wording, answers, and
the labelled set's score (the same figures `chotdon questions eval` prints)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from aggregator.core.questions.compose import answer
from aggregator.core.questions.evaluate import facts_from_data, labelled, score
from aggregator.core.questions.kinds import QuestionKind, classify
from aggregator.core.questions.regions import find_province
from aggregator.core.questions.wording import WordingError, check_wording

DATA = Path(__file__).parents[1] / "data" / "questions"
FACTS = facts_from_data(orjson.loads((DATA / "live.json").read_bytes()))


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("giá bao nhiêu vậy shop", QuestionKind.PRICE),
        ("ship về Nghệ An mấy ngày", QuestionKind.SHIPPING),
        ("ck số nào", QuestionKind.PAYMENT),
        ("có giấy chứng nhận OCOP không", QuestionKind.ORIGIN),
        ("nem chua còn ko c", QuestionKind.STOCK),
        ("mua 4 hũ mắm tôm có tặng kèm gì không", QuestionKind.OTHER),
        ("giá A01 bao nhiêu, ship về Huế mấy ngày", QuestionKind.MIXED),
        ("đơn của em bao giờ tới ạ", QuestionKind.ORDER_STATUS),
    ],
)
def test_kinds(text: str, kind: QuestionKind) -> None:
    assert classify(text) is kind


def test_a_word_with_other_marks_is_not_the_product() -> None:
    # "nhận" is not "nhãn", "vài" is not "vải": no product, so no answer about one.
    assert answer("bao lâu thì nhận được hàng ạ", FACTS).kind is QuestionKind.SHIPPING
    assert answer("vải còn không", FACTS).product_code == "V05"
    assert answer("vai con khong", FACTS).text is None  # one bare word: too often another


def test_answers_state_the_lives_facts_and_nothing_when_unsure() -> None:
    assert "280.000" in (answer("mat ong 1 lit gia sao shop", FACTS).text or "")
    assert answer("giá bao nhiêu vậy shop", FACTS).text is None  # which product?
    assert answer("mật ong 2 lít giá bao nhiêu", FACTS).text is None  # not a variant sold
    # A weight in the product's own name is not a variant asked about.
    assert "180.000" in (answer("gạo st25 túi 5kg giá bao nhiêu ạ", FACTS).text or "")
    shipping = answer("ship ve ha noi mat may ngay shop", FACTS).text or ""
    assert "Hà Nội" in shipping and "2–3" in shipping and "30.000" in shipping


def test_provinces_old_and_new_and_short_forms_after_a_preposition() -> None:
    assert (find_province("nhà e ở Hải Dương") or object()).__getattribute__("name") == "Hải Dương"
    assert find_province("ship sg may ngay") is not None
    assert find_province("anh Vinh ơi") is None


def test_wording_refuses_unknown_blanks_and_broken_braces() -> None:
    assert (
        check_wording(QuestionKind.PRICE, " Dạ  {san_pham} giá {gia} ") == "Dạ {san_pham} giá {gia}"
    )
    with pytest.raises(WordingError, match="gia_ban"):
        check_wording(QuestionKind.PRICE, "Giá {gia_ban}")
    with pytest.raises(WordingError):
        check_wording(QuestionKind.PRICE, "Giá {gia")


@pytest.mark.parametrize("name", ["questions.jsonl", "heldout.jsonl"])
def test_labelled_sets_meet_the_target(name: str) -> None:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    result = score([labelled(orjson.loads(line)) for line in lines if line.strip()], FACTS)
    assert result.accuracy >= 0.95, result.misses
