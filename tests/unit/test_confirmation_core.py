"""Pure pieces of buyer confirmation: link tokens, VietQR, money, replies, transfer content."""

from __future__ import annotations

import pytest

from aggregator.confirmation.addresses import divisions
from aggregator.confirmation.forms import read_form
from aggregator.core.links import (
    LinkError,
    LinkProblem,
    check_form_proof,
    derive_key,
    form_proof,
    sign_order_token,
    verify_order_token,
)
from aggregator.core.money import format_vnd
from aggregator.core.payments import order_number_in
from aggregator.core.replies import read_reply
from aggregator.core.vietqr import BankAccount, crc16_ccitt, vietqr_payload

KEY = derive_key(b"app secret", "chotdon.order-link.v1")
NOW = 1_750_000_000


def test_a_token_opens_its_own_order_until_it_expires() -> None:
    token = sign_order_token(KEY, 123, NOW + 60)
    assert len(token) == 64 and token.isascii() and "=" not in token
    assert verify_order_token(KEY, token, NOW) == 123
    with pytest.raises(LinkError) as caught:
        verify_order_token(KEY, token, NOW + 60)
    assert caught.value.problem is LinkProblem.EXPIRED


def test_every_changed_character_is_tampering() -> None:
    token = sign_order_token(KEY, 123, NOW + 60)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for i in range(len(token) - 1):  # the last character also carries padding bits
        other = alphabet[(alphabet.index(token[i]) + 1) % 64]
        with pytest.raises(LinkError) as caught:
            verify_order_token(KEY, token[:i] + other + token[i + 1 :], NOW)
        assert caught.value.problem is LinkProblem.TAMPERED


@pytest.mark.parametrize("token", ["", "abc", "x" * 63, "é" * 64, "!" * 64, "A" * 65])
def test_malformed_tokens(token: str) -> None:
    with pytest.raises(LinkError) as caught:
        verify_order_token(KEY, token, NOW)
    assert caught.value.problem in (LinkProblem.MALFORMED, LinkProblem.TAMPERED)


def test_a_token_has_one_spelling_only() -> None:
    """base64's other alphabet, padding and stray characters decode to the same bytes: refused."""
    token = next(
        t for t in (sign_order_token(KEY, n, NOW + 60) for n in range(1, 10_000))
        if "-" in t and "_" in t
    )  # fmt: skip
    assert verify_order_token(KEY, token, NOW) > 0
    variants = [
        token.replace("-", "+", 1),
        token.replace("_", "/", 1),
        token[:-2] + "==",
        token[:32] + "\n" + token[33:],
        token[:32] + "." + token[33:],
    ]
    for variant in variants:
        with pytest.raises(LinkError) as caught:
            verify_order_token(KEY, variant, NOW)
        assert caught.value.problem is LinkProblem.MALFORMED, variant


def test_keys_are_per_purpose_and_per_secret() -> None:
    token = sign_order_token(KEY, 7, NOW + 60)
    for key in (derive_key(b"app secret", "other"), derive_key(b"other secret", "x")):
        with pytest.raises(LinkError):
            verify_order_token(key, token, NOW)
    with pytest.raises(ValueError, match="empty secret"):
        derive_key(b"", "x")


def test_the_form_proof_binds_link_and_cookie() -> None:
    proof = form_proof(KEY, "token-a", "nonce-1")
    assert check_form_proof(KEY, "token-a", "nonce-1", proof)
    assert not check_form_proof(KEY, "token-b", "nonce-1", proof)
    assert not check_form_proof(KEY, "token-a", "nonce-2", proof)
    assert not check_form_proof(KEY, "token-a", "", proof)
    assert not check_form_proof(KEY, "token-a", "nonce-1", "")


def test_crc16_ccitt_false_check_value() -> None:
    assert crc16_ccitt(b"123456789") == 0x29B1


def test_vietqr_payload_fields_and_crc() -> None:
    account = BankAccount("970436", "0011001234567", "HTX")
    payload = vietqr_payload(account, 360_000, "CD0000123")
    assert payload.startswith("000201010212")
    assert "0010A000000727" in payload and "0006970436" in payload
    assert "01130011001234567" in payload and "0208QRIBFTTA" in payload
    assert "5303704" in payload and "5406360000" in payload and "5802VN" in payload
    assert "62130809CD0000123" in payload
    body, crc = payload[:-4], payload[-4:]
    assert body.endswith("6304") and crc == f"{crc16_ccitt(body.encode()):04X}"


@pytest.mark.parametrize(
    ("bank_bin", "account", "amount", "reference"),
    [("97043", "1", 1, "CD1"), ("970436", "12 34", 1, "CD1"), ("970436", "1", 0, "CD1"),
     ("970436", "1", 1, "đơn <1>")],
)  # fmt: skip
def test_vietqr_refuses_what_banks_would_not_read(
    bank_bin: str, account: str, amount: int, reference: str
) -> None:
    with pytest.raises(ValueError):
        vietqr_payload(BankAccount(bank_bin, account), amount, reference)


@pytest.mark.parametrize(
    ("amount", "text"), [(0, "0 ₫"), (180_000, "180.000 ₫"), (1_250_000, "1.250.000 ₫")]
)
def test_money_reads_as_in_vietnam(amount: int, text: str) -> None:
    assert format_vnd(amount) == text


@pytest.mark.parametrize(
    ("reply", "confirm", "phone", "address"),
    [
        ("ok", True, None, None),
        ("oke shop", True, None, None),
        ("Xác nhận", True, None, None),
        ("xac nhan nhe", True, None, None),
        ("Đồng ý ạ", True, None, None),
        ("dạ vâng", True, None, None),
        ("không đồng ý", False, None, None),
        ("chưa ok nha", False, None, None),
        ("được không shop", False, None, None),
        ("có ship hỏa tốc không", False, None, None),
        ("giá bao nhiêu", False, None, None),
        ("sdt 0912.345.678", False, "0912345678", None),
        ("Địa chỉ: số 5 ngõ 12 đường Láng, Đống Đa, Hà Nội", False, None,
         "số 5 ngõ 12 đường Láng, Đống Đa, Hà Nội"),
        ("ok em, 0912345678, số 5 ngõ 12 đường Láng", True, "0912345678",
         "số 5 ngõ 12 đường Láng"),
        ("xóm 3, xã Quỳnh Hồng, Nghệ An", False, None, "xóm 3, xã Quỳnh Hồng, Nghệ An"),
        ("shop ơi địa chỉ em là 12 Trần Phú, phường Ba Đình", False, None,
         "12 Trần Phú, phường Ba Đình"),
    ],
)  # fmt: skip
def test_replies(reply: str, confirm: bool, phone: str | None, address: str | None) -> None:
    reading = read_reply(reply)
    assert (reading.confirm, reading.phone, reading.address) == (confirm, phone, address)


def test_a_cancel_is_never_a_confirmation() -> None:
    reading = read_reply("hủy đơn giúp em, không lấy nữa")
    assert reading.cancel and not reading.confirm


@pytest.mark.parametrize(
    ("content", "number"),
    [
        ("CD0000123", "CD0000123"),
        ("MBVCB.3278.cd0000123.CT tu 0011 NGUYEN VAN A", "CD0000123"),
        ("chuyen tien don CD 0000123", "CD0000123"),
        ("CD-0000123 CD0000123", "CD0000123"),
        ("CD0000123 va CD0000124", None),  # two orders: staff decide
        ("CD000012", None),
        ("CD00001234", None),
        ("tien hang", None),
    ],
)
def test_order_number_in_transfer_content(content: str, number: str | None) -> None:
    assert order_number_in(content) == number


def test_the_2025_units_are_34_provinces_with_their_wards() -> None:
    units = divisions()
    assert len(units.provinces) == 34
    assert sum(len(w) for w in units.wards.values()) > 3000
    assert units.ward_in("1", "70") and not units.ward_in("1", "12097")


def test_the_form_ignores_quantities_of_other_orders_lines() -> None:
    reading = read_form({"qty_1": "2", "qty_999": "5", "qty_2": "-1"}, [1, 2], divisions(),
                        accepts_transfer=False, confirming=False)  # fmt: skip
    assert reading.quantities == {1: 2}
    assert set(reading.errors) == {"qty_2"}
