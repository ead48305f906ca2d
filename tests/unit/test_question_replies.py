"""Which message can reach a buyer who asked a question, within each platform's rules."""

from __future__ import annotations

from dataclasses import replace

import pytest

from aggregator.channels.directory import ChannelRef
from aggregator.questions.replies import ReplyRefusedError, Target, route

NOW = 1_800_000_000.0
HOUR = 3600.0
CHANNEL = ChannelRef(1, 1, "page1", "Trang HTX", True, {}, None)
COMMENT = Target(1, 1, "facebook", "c1", "u1", True, NOW - HOUR, None, CHANNEL, False)


def test_a_facebook_comment_gets_one_private_reply_within_seven_days() -> None:
    assert route(COMMENT, False, NOW) == "facebook.private_reply"
    with pytest.raises(ReplyRefusedError, match="chỉ cho một lần"):
        route(COMMENT, True, NOW)  # the one private reply is used, no Messenger window
    late = replace(COMMENT, asked_at=NOW - 7 * 24 * HOUR - 1)
    with pytest.raises(ReplyRefusedError, match="7 ngày"):
        route(late, False, NOW)
    # The buyer answered in Messenger: the 24-hour window is open.
    talking = replace(COMMENT, last_message_at=NOW - 2 * HOUR)
    assert route(talking, True, NOW) == "facebook.message"


def test_messenger_messages_only_within_24_hours() -> None:
    message = replace(COMMENT, in_live_or_post=False, last_message_at=NOW - 23 * HOUR)
    assert route(message, False, NOW) == "facebook.message"
    with pytest.raises(ReplyRefusedError, match="24 giờ"):
        route(replace(message, last_message_at=NOW - 25 * HOUR), False, NOW)


def test_zalo_replies_within_48_hours_and_at_most_eight() -> None:
    zalo = replace(COMMENT, platform="zalo", in_live_or_post=True, last_message_at=NOW - 47 * HOUR)
    assert route(zalo, False, NOW) == "zalo.cs_message"
    with pytest.raises(ReplyRefusedError, match="48 giờ"):
        route(replace(zalo, last_message_at=NOW - 49 * HOUR), False, NOW)
    with pytest.raises(ReplyRefusedError, match="8 tin"):
        route(replace(zalo, zalo_replies=8), False, NOW)


@pytest.mark.parametrize(
    ("target", "says"),
    [
        (replace(COMMENT, platform="relay"), "trong ứng dụng"),
        (replace(COMMENT, sandbox=True), "tập dượt"),
        (replace(COMMENT, channel=replace(CHANNEL, active=False)), "kết nối lại"),
    ],
)
def test_nothing_is_sent_where_no_rule_allows_it(target: Target, says: str) -> None:
    with pytest.raises(ReplyRefusedError, match=says):
        route(target, False, NOW)
