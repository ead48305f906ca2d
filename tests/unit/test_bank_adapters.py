"""SePay, Casso and payOS notices: each provider's signature proven against the provider's own
published example where one exists, their bodies read into one BankNotice, extra keys tolerated,
and the simulator speaking the same shapes as the published samples."""

from __future__ import annotations

import copy
from datetime import datetime

import orjson
import pytest

from connectors.banks import ADAPTERS, casso, payos, sepay
from connectors.banks.notice import VIETNAM, BankNotice, Direction, Ignored
from connectors.errors import PayloadError, SignatureError
from connectors.simulators.banks import Transfer, casso_body, payos_body, sepay_body
from schema.enums import BankProvider
from tests.support.banks import CASSO_DOCS_KEY, PAYOS_DOCS_KEY, WIRE, sample, signed, wire

SECRET = "a-cooperative-secret-0123456789"


def _keys(value: object) -> object:
    """The shape of a JSON value: its keys, nested (values left out)."""
    if isinstance(value, dict):
        return {k: _keys(v) for k, v in value.items()}
    return None


def test_payos_docs_example_verifies_with_its_documented_checksum_key() -> None:
    body = sample(BankProvider.PAYOS)
    assert payos.sign(body["data"], PAYOS_DOCS_KEY) == body["signature"]
    payos.verify(orjson.dumps(body), {}, PAYOS_DOCS_KEY)
    tampered = copy.deepcopy(body)
    tampered["data"]["amount"] = 300000
    with pytest.raises(SignatureError):
        payos.verify(orjson.dumps(tampered), {}, PAYOS_DOCS_KEY)
    with pytest.raises(SignatureError):
        payos.verify(orjson.dumps(body), {}, "another-checksum-key")


def test_payos_sdk_test_vector_verifies() -> None:
    # payOSHQ/payos-lib-python tests/_crypto/testCases.json, case "webhook", key test_checksum_key.
    data = {"accountNumber": "0123456789", "amount": 20000, "description": "thanh toan",
            "reference": "FT-REFERENCE", "transactionDateTime": "2025-12-12 09:00:00",
            "virtualAccountNumber": "", "counterAccountBankId": "01202001",
            "counterAccountBankName": "", "counterAccountName": "NGUYEN VAN A",
            "counterAccountNumber": "9876543210", "virtualAccountName": "", "currency": "VND",
            "orderCode": 0, "paymentLinkId": "payment-link-id", "code": "00",
            "desc": "success"}  # fmt: skip
    expected = "302b3becca1672dff99daafae2965f40e48ea3ca39453e4bf37fbcc26807a0e8"
    assert payos.sign(data, "test_checksum_key") == expected


def test_payos_signs_every_data_field_so_a_new_field_verifies_and_reads() -> None:
    body = sample(BankProvider.PAYOS)
    body["data"]["aFieldPayosAddsLater"] = "x"
    with pytest.raises(SignatureError):  # the published signature did not cover it
        payos.verify(orjson.dumps(body), {}, PAYOS_DOCS_KEY)
    raw, _ = signed(BankProvider.PAYOS, body, PAYOS_DOCS_KEY)
    payos.verify(raw, {}, PAYOS_DOCS_KEY)
    notice = payos.parse(raw)
    assert isinstance(notice, BankNotice) and notice.transaction_id == "TF230204212323"


def test_payos_missing_signature_is_missing_and_a_failed_payment_is_ignored() -> None:
    body = sample(BankProvider.PAYOS)
    del body["signature"]
    with pytest.raises(SignatureError) as caught:
        payos.verify(orjson.dumps(body), {}, PAYOS_DOCS_KEY)
    assert caught.value.missing
    failed = sample(BankProvider.PAYOS)
    failed["data"]["code"] = "01"
    assert payos.parse(orjson.dumps(failed)) == Ignored("ignored: payOS code 01", "TF230204212323")


def test_casso_docs_example_verifies_with_its_documented_key() -> None:
    body = sample(BankProvider.CASSO)
    headers = {k.lower(): v for k, v in wire("casso/transaction.headers.json").items()}
    casso.verify(orjson.dumps(body), headers, CASSO_DOCS_KEY)
    # Not the raw bytes: the published (indented, unsorted) file verifies just the same.
    published = (WIRE / "casso/transaction.json").read_bytes()
    assert b"\n" in published
    casso.verify(published, headers, CASSO_DOCS_KEY)
    tampered = copy.deepcopy(body)
    tampered["data"]["amount"] = 5_990_000
    with pytest.raises(SignatureError):
        casso.verify(orjson.dumps(tampered), headers, CASSO_DOCS_KEY)
    with pytest.raises(SignatureError) as caught:
        casso.verify(orjson.dumps(body), {}, CASSO_DOCS_KEY)
    assert caught.value.missing
    with pytest.raises(SignatureError):
        casso.verify(orjson.dumps(body), {"x-casso-signature": "garbage"}, CASSO_DOCS_KEY)


def test_sepay_hmac_and_api_key_both_verify_and_nothing_else_does() -> None:
    raw, headers = signed(BankProvider.SEPAY, sample(BankProvider.SEPAY), SECRET)
    lowered = {k.lower(): v for k, v in headers.items()}
    sepay.verify(raw, lowered, SECRET)
    with pytest.raises(SignatureError):
        sepay.verify(raw.replace(b"2277000", b"9277000"), lowered, SECRET)
    with pytest.raises(SignatureError):
        sepay.verify(raw, {**lowered, "x-sepay-timestamp": "1"}, SECRET)  # the time is signed
    sepay.verify(raw, {"authorization": f"Apikey {SECRET}"}, SECRET)
    with pytest.raises(SignatureError):
        sepay.verify(raw, {"authorization": "Apikey wrong"}, SECRET)
    with pytest.raises(SignatureError):
        sepay.verify(raw, {"authorization": f"Bearer {SECRET}"}, SECRET)
    with pytest.raises(SignatureError) as caught:
        sepay.verify(raw, {}, SECRET)
    assert caught.value.missing


def test_each_published_sample_reads_into_one_notice() -> None:
    notices = {p: ADAPTERS[p].parse(orjson.dumps(sample(p))) for p in BankProvider}
    assert notices[BankProvider.SEPAY] == BankNotice(
        BankProvider.SEPAY, "92704", 2_277_000, "chuyen tien mua iphone", Direction.IN,
        "0123499999", datetime(2023, 3, 25, 14, 2, 37, tzinfo=VIETNAM),
    )  # fmt: skip
    assert notices[BankProvider.CASSO] == BankNotice(
        BankProvider.CASSO, "0", 599_000, "giao dich thu nghiem", Direction.IN, "88888888",
        datetime(2024, 10, 3, 15, 6, 37, tzinfo=VIETNAM),
    )  # fmt: skip
    assert notices[BankProvider.PAYOS] == BankNotice(
        BankProvider.PAYOS, "TF230204212323", 3000, "VQRIO123", Direction.IN, "12345678",
        datetime(2023, 2, 4, 18, 25, tzinfo=VIETNAM),
    )  # fmt: skip
    assert {p: ADAPTERS[p].account_of(orjson.dumps(sample(p))) for p in BankProvider} == {
        BankProvider.SEPAY: "0123499999", BankProvider.CASSO: "88888888",
        BankProvider.PAYOS: "12345678",
    }  # fmt: skip


def test_outgoing_transfers_read_as_out() -> None:
    out = sample(BankProvider.SEPAY) | {"transferType": "out"}
    assert sepay.parse(orjson.dumps(out)).direction is Direction.OUT  # type: ignore[union-attr]
    spent = sample(BankProvider.CASSO)
    spent["data"]["amount"] = -599_000
    notice = casso.parse(orjson.dumps(spent))
    assert isinstance(notice, BankNotice)
    assert (notice.direction, notice.amount_vnd) == (Direction.OUT, 599_000)


def test_extra_keys_are_ignored_and_unreadable_bodies_are_payload_errors() -> None:
    extra = sample(BankProvider.SEPAY) | {"newField": {"nested": [1]}, "bankBrandName": "VCB"}
    assert isinstance(sepay.parse(orjson.dumps(extra)), BankNotice)
    for provider in BankProvider:
        for junk in (b"", b"\xff\xfe", b"[]", b'"x"', b"{}", b'{"data": []}', b"null"):
            with pytest.raises(PayloadError):
                ADAPTERS[provider].account_of(junk)
            with pytest.raises(PayloadError):
                ADAPTERS[provider].parse(junk)
    unknown_type = sample(BankProvider.SEPAY) | {"transferType": "credit"}
    with pytest.raises(PayloadError, match="transferType"):
        sepay.parse(orjson.dumps(unknown_type))


def test_the_simulator_speaks_the_published_shapes() -> None:
    transfer = Transfer("0011001234567", 360_000, "CD0000123", 7001)
    assert _keys(sepay_body(transfer)) == _keys(sample(BankProvider.SEPAY))
    assert _keys(casso_body(transfer)) == _keys(sample(BankProvider.CASSO))
    assert _keys(payos_body(transfer, SECRET)) == _keys(sample(BankProvider.PAYOS))
    raw = orjson.dumps(payos_body(transfer, SECRET))
    payos.verify(raw, {}, SECRET)
    assert payos.parse(raw) == BankNotice(
        BankProvider.PAYOS, "TF7001", 360_000, "CD0000123", Direction.IN, "0011001234567",
        transfer.at.replace(microsecond=0),
    )  # fmt: skip
