"""Pure rules of issue 24: login buckets and delays, client address behind trusted proxies,
signed cookie values."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from aggregator.core.dashboard import Level
from aggregator.core.forwarded import client_address, forwarded_proto, parse_networks
from aggregator.core.login_limits import (
    LoginAttacks,
    LoginPolicy,
    Scope,
    delay_s,
    login_alerts,
    retry_after_s,
    wait_text,
)
from aggregator.core.signed import sign, unsign
from aggregator.settings import Settings

PROXIES = parse_networks("10.0.0.0/8, 2001:db8::/32")
NOW = datetime(2026, 12, 6, 12, 0, 30, tzinfo=UTC)


def test_a_try_reserves_address_login_and_the_minute_unless_from_a_trusted_device() -> None:
    policy = LoginPolicy(per_address=20, per_login=5, per_minute=300, per_device=4)
    buckets = policy.buckets("giamdoc", "203.0.113.9", None, NOW)
    assert [(b.scope, b.key, b.free) for b in buckets] == [
        (Scope.ADDRESS, "203.0.113.9", 20),
        (Scope.GLOBAL, str(int(NOW.timestamp()) // 60), 300),
        (Scope.LOGIN, "giamdoc", 5),
    ]
    trusted = policy.buckets("giamdoc", "203.0.113.9", "dev-1", NOW)
    assert [(b.scope, b.key, b.free) for b in trusted] == [(Scope.DEVICE, "dev-1", 4)]


def test_delays_grow_progressively_and_stop_at_the_longest() -> None:
    waits = [delay_s(n, 3, 2.0, 60.0) for n in range(1, 10)]
    assert waits == [0.0, 0.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]
    assert delay_s(10_000, 3, 2.0, 60.0) == 60.0  # no overflow on a long attack


def test_retry_after_and_its_words() -> None:
    assert retry_after_s([3.2, 1.0]) == 4
    assert retry_after_s([]) == 1 and retry_after_s([0.0]) == 1
    assert wait_text(4) == "4 giây" and wait_text(61) == "2 phút"


@pytest.mark.parametrize(
    ("peer", "xff", "forwarded", "expected"),
    [
        # an untrusted peer's headers are ignored: spoofing from the internet changes nothing
        ("198.51.100.7", ["1.2.3.4"], [], "198.51.100.7"),
        ("198.51.100.7", [], ["for=1.2.3.4"], "198.51.100.7"),
        # a trusted proxy: the rightmost hop that is not a proxy, whatever the client prepended
        ("10.0.0.2", ["6.6.6.6, 203.0.113.9"], [], "203.0.113.9"),
        ("10.0.0.2", ["6.6.6.6", "203.0.113.9, 10.1.2.3"], [], "203.0.113.9"),
        ("10.0.0.2", [], ['for=6.6.6.6, for="[2001:db9::1]:4711";proto=https'], "2001:db9::1"),
        ("10.0.0.2", [], ["for=203.0.113.9:5123;by=10.0.0.2"], "203.0.113.9"),
        ("10.0.0.2", [], [], "10.0.0.2"),  # no header: the proxy itself
        ("10.0.0.2", ["10.0.0.9"], [], "10.0.0.9"),  # only proxies: the leftmost
        ("10.0.0.2", ["203.0.113.9, garbage"], [], "10.0.0.2"),  # nothing left of garbage
        ("not-an-ip", ["1.2.3.4"], [], "not-an-ip"),
    ],
)
def test_client_address(peer: str, xff: list[str], forwarded: list[str], expected: str) -> None:
    assert client_address(peer, xff, forwarded, PROXIES) == expected


def test_forwarded_proto_only_from_a_trusted_proxy() -> None:
    assert forwarded_proto("10.0.0.2", ["https"], PROXIES) == "https"
    assert forwarded_proto("10.0.0.2", ["http, https"], PROXIES) == "https"
    assert forwarded_proto("198.51.100.7", ["https"], PROXIES) is None
    assert forwarded_proto("10.0.0.2", [], PROXIES) is None


def test_parse_networks_refuses_typos() -> None:
    assert parse_networks("") == ()
    with pytest.raises(ValueError, match="does not appear"):
        parse_networks("10.0.0.0/8, 10.0.0.300")


def test_signed_values_cannot_be_forged_or_moved_or_kept_past_expiry() -> None:
    key, other = b"k" * 32, b"o" * 32
    token = sign(key, "nonce-1", 2_000)
    assert unsign(key, token, 1_000) == "nonce-1"
    assert unsign(other, token, 1_000) is None  # another purpose's key
    assert unsign(key, token, 2_001) is None  # expired
    body, _, mac = token.partition(".")
    assert unsign(key, sign(other, "nonce-1", 2_000), 1_000) is None
    assert unsign(key, "nonce-1", 1_000) is None  # the old unsigned double submit
    assert unsign(key, body + "." + mac[:-2] + "AA", 1_000) is None
    assert unsign(key, "%%%." + mac, 1_000) is None


def test_the_director_is_told_of_attacks_in_vietnamese_and_not_bothered_on_a_quiet_hour() -> None:
    assert login_alerts(LoginAttacks(0, 0, 10, 5, ())) == []
    alerts = login_alerts(LoginAttacks(3, 7, 400, 900, ("giamdoc",)))
    assert [a.level for a in alerts] == [Level.DANGER, Level.WARN, Level.WARN]
    assert "giamdoc" in alerts[0].text and "mở khóa" in alerts[0].text
    assert "/cai-dat/nhan-vien" in alerts[0].text  # the director unlocks from the staff page
    assert "10 lần đăng nhập sai" in alerts[1].text and "7 lần bị chặn" in alerts[1].text
    assert "1300 lần" in alerts[2].text


def test_a_typo_in_an_address_list_stops_the_start() -> None:
    with pytest.raises(ValidationError, match="trusted_proxies"):
        Settings(trusted_proxies="10.0.0.0/8, 10.0.0.300")
    with pytest.raises(ValidationError, match="courier_webhook_allow_ips"):
        Settings(courier_webhook_allow_ips="ghn.vn")
    assert Settings(trusted_proxies="127.0.0.1, ::1").trusted_proxies == "127.0.0.1, ::1"
