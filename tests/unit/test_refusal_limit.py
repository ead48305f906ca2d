"""The limit on recorded refusals: per address (an IPv6 client's whole /64), overall, per minute."""

from __future__ import annotations

from aggregator.inbox.refusals import (
    RefusalLimit,
    RefusalScope,
    address_key,
    admit_refusal,
    enter_scope,
    leave_scope,
)


def test_each_address_gets_its_share_each_minute() -> None:
    limit = RefusalLimit(per_address=3, total=100)
    assert [limit.admit("203.0.113.7", now=0.0) for _ in range(5)] == [True] * 3 + [False] * 2
    assert limit.admit("203.0.113.8", now=1.0)  # another address has its own share
    assert limit.admit("203.0.113.7", now=61.0)  # the next minute starts afresh


def test_an_ipv6_client_counts_as_its_slash_64() -> None:
    assert (
        address_key("2001:db8:1:2::1")
        == address_key("2001:db8:1:2:ffff::9")
        == ("2001:db8:1:2::/64")
    )
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("::ffff:203.0.113.7") == "203.0.113.7"
    assert address_key("") == ""
    limit = RefusalLimit(per_address=2, total=100)
    answers = [limit.admit(f"2001:db8:1:2::{n}", now=0.0) for n in range(1, 5)]
    assert answers == [True, True, False, False]


def test_many_addresses_together_stop_at_the_total() -> None:
    limit = RefusalLimit(per_address=5, total=10)
    admitted = sum(limit.admit(f"198.51.100.{n}", now=0.0) for n in range(50))
    assert admitted == 10


def test_outside_a_request_every_refusal_is_recorded_inside_one_it_is_counted() -> None:
    assert admit_refusal()
    scope = RefusalScope(RefusalLimit(per_address=1, total=10), "203.0.113.7")
    token = enter_scope(scope)
    try:
        assert [admit_refusal() for _ in range(3)] == [True, False, False]
    finally:
        leave_scope(token)
    assert scope.unrecorded == 2 and admit_refusal()
