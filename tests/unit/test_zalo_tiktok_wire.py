"""Zalo OA and TikTok Shop wire shapes: the parsers read every published fixture, the simulators
emit the same keys, and the Zalo signature is read the ways Zalo writes it."""

from __future__ import annotations

import orjson
import pytest
from pydantic import SecretStr

from aggregator.credentials.keyring import credential_cipher
from aggregator.settings import Settings
from connectors.errors import CredentialsError, PayloadError, SignatureError
from connectors.simulators import tiktok as tiktok_sim, zalo as zalo_sim
from connectors.tiktok.webhook import NotificationType, parse_notification
from connectors.zalo.signature import digest, sign, verify
from connectors.zalo.webhook import comment_event, parse_event
from schema.enums import Platform
from tests.support.wire import shape, wire_body, wire_json

STATE = zalo_sim.ZaloState("360846524940903967", "oa-secret")
OA, USER = "388613280878808645", "246845883529197922"
ZALO_FIXTURES = ("user_send_text", "follow", "unfollow", "user_send_image", "user_send_sticker",
                 "oa_send_text")  # fmt: skip
TIKTOK_FIXTURES = ("order_status_change", "cancellation_status_change", "seller_deauthorization",
                   "recipient_address_update")  # fmt: skip


def test_zalo_simulator_speaks_every_fixture_shape() -> None:
    built = {
        "user_send_text": zalo_sim.user_text(STATE, OA, USER, "chốt A01"),
        "follow": zalo_sim.follow(STATE, OA, USER),
        "unfollow": zalo_sim.follow(STATE, OA, USER, "unfollow"),
        "user_send_image": zalo_sim.user_image(STATE, OA, USER, "https://zalo.me/i.jpg"),
        "user_send_sticker": zalo_sim.user_sticker(STATE, OA, USER, "s1"),
        "oa_send_text": zalo_sim.oa_text(STATE, OA, USER, "Cảm ơn chị"),
    }
    assert set(built) == set(ZALO_FIXTURES)
    for name, body in built.items():
        assert shape(orjson.loads(body)) == shape(wire_json("zalo", name)), name


def test_tiktok_simulator_speaks_every_fixture_shape() -> None:
    order = {"id": "576486316948490001", "status": "UNPAID", "update_time": 1644412885}
    built = {
        "order_status_change": tiktok_sim.notification("s1", order),
        "cancellation_status_change": tiktok_sim.notification(
            "s1", order, NotificationType.CANCELLATION_STATUS_CHANGE
        ),
        "recipient_address_update": tiktok_sim.notification(
            "s1", order, NotificationType.RECIPIENT_ADDRESS_UPDATE
        ),
        "seller_deauthorization": tiktok_sim.deauthorization("s1"),
    }
    assert set(built) == set(TIKTOK_FIXTURES)
    for name, body in built.items():
        assert shape(orjson.loads(body)) == shape(wire_json("tiktok", name)), name


def test_every_zalo_fixture_is_read_and_only_the_buyers_text_is_a_comment() -> None:
    events = {name: parse_event(wire_body("zalo", name)) for name in ZALO_FIXTURES}
    assert {name: e.oa_id for name, e in events.items()} == dict.fromkeys(ZALO_FIXTURES, OA)
    comments = {name: comment_event(e) for name, e in events.items()}
    text = comments.pop("user_send_text")
    assert text is not None and (text.author_external_id, text.text) == (USER, "message")
    assert set(comments.values()) == {None}  # the OA's own echo is never a buyer's comment
    assert events["user_send_text"].delivery_key == "96d3cdf3af150460909"
    assert events["follow"].delivery_key != events["unfollow"].delivery_key


def test_a_numeric_zalo_timestamp_reads_and_verifies_like_the_documented_string() -> None:
    # Not a published body: the docs show strings; Zalo's own examples only change the type here.
    raw = wire_json("zalo", "user_send_text") | {"timestamp": 1700000000123}
    body = orjson.dumps(raw)
    verify(body, sign(STATE.app_id, body, "1700000000123", STATE.secret), STATE.app_id, "oa-secret")
    event = parse_event(body)
    assert event.timestamp == "1700000000123" and event.at.year == 2023


@pytest.mark.parametrize("form", ["mac={}", "mac = {}", "{}", "MAC={}", " mac={} "])
def test_the_zalo_signature_header_is_read_with_or_without_its_mac_prefix(form: str) -> None:
    body = wire_body("zalo", "follow")
    good = digest(STATE.app_id, body, "154397978274", "oa-secret")
    verify(body, form.format(good), STATE.app_id, "oa-secret")
    verify(body, form.format(good.upper()), STATE.app_id, "oa-secret")
    with pytest.raises(SignatureError):
        verify(body, form.format(good[:-1] + "0"), STATE.app_id, "oa-secret")


def test_unreadable_zalo_bodies_raise_payload_errors() -> None:
    no_oa = b'{"event_name": "user_send_text", "timestamp": "1", "sender": {"id": "u"}, '
    no_oa += b'"message": {"msg_id": "m"}}'
    for body in (b"[]", b'{"event_name": "follow"}', no_oa):
        with pytest.raises(PayloadError):
            parse_event(body)


def test_every_tiktok_fixture_is_read() -> None:
    read = {name: parse_notification(wire_body("tiktok", name)) for name in TIKTOK_FIXTURES}
    assert [read[n].order_id for n in TIKTOK_FIXTURES] == [
        "576486316948490001", "576486316948490001", None, "576486316948490001",
    ]  # fmt: skip
    assert read["seller_deauthorization"].deauthorized
    address = wire_body("tiktok", "recipient_address_update")  # no tts_notification_id
    key = read["recipient_address_update"].delivery_key(address)
    assert key.startswith("3:7494049642642441621:") and key == parse_notification(
        address
    ).delivery_key(address)
    assert read["order_status_change"].delivery_key(b"") == "7327112393057371910"


def _refusal(platform: Platform, sealed: bytes | None) -> str:
    cipher = credential_cipher(Settings(app_secret=SecretStr("k" * 32)), platform)
    with pytest.raises(CredentialsError) as raised:
        cipher.decrypt(sealed)
    return str(raised.value)


def test_a_tiktok_or_zalo_channel_without_a_usable_token_is_not_called_a_page() -> None:
    assert _refusal(Platform.TIKTOK, None).startswith("chưa lưu mã truy cập (token) của cửa hàng")
    assert "cửa hàng TikTok" in _refusal(Platform.TIKTOK, b"gAAAA-not-ours")
    assert "OA Zalo" in _refusal(Platform.ZALO, None)
    for platform in (Platform.TIKTOK, Platform.ZALO, Platform.RELAY):
        assert "Page" not in _refusal(platform, None) + _refusal(platform, b"x")
    assert (
        _refusal(Platform.FACEBOOK, None) == "no Page access token stored: connect the Page again"
    )
