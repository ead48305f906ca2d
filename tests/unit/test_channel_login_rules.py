"""Pure parts of connecting by login: PKCE as RFC 7636 defines it, the links sent to each
platform, the state's fingerprint, when a channel needs a new login, the dashboard's one tap."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from aggregator.core.channel_login import (
    Renewal,
    login_health,
    missing_tasks,
    problem_text,
    state_hash,
)
from aggregator.core.dashboard import ChannelState, Level, channel_alerts
from aggregator.tools.demo.seed import CHANNELS
from aggregator.tools.login_sims import login_environment
from connectors.facebook.login import dialog_url
from connectors.simulators.facebook_live import FacebookState
from connectors.simulators.zalo import ZaloState
from connectors.tiktok.login import authorize_url
from connectors.zalo.login import code_challenge, code_verifier, permission_url
from schema.enums import Platform

NOW = datetime(2026, 12, 6, 13, 0, tzinfo=UTC)
DAY = 86_400


def test_pkce_challenge_is_rfc7636_s256() -> None:
    # RFC 7636 appendix B: this verifier gives this challenge
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    made = code_verifier()
    assert len(made) == 43 and made != code_verifier()
    assert "=" not in code_challenge(made)


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_each_platform_gets_its_documented_parameters() -> None:
    fb = _query(dialog_url("https://www.facebook.com/v21.0/dialog/oauth", "123", "cfg",
                           "https://chotdon.vn/cai-dat/kenh/facebook/ve", "s1"))  # fmt: skip
    assert fb == {
        "client_id": "123", "redirect_uri": "https://chotdon.vn/cai-dat/kenh/facebook/ve",
        "state": "s1", "response_type": "code", "override_default_response_type": "true",
        "config_id": "cfg",
    }  # fmt: skip
    zalo = permission_url("https://oauth.zaloapp.com", "42", "https://x/ve", "chal", "s2")
    assert zalo.startswith("https://oauth.zaloapp.com/v4/oa/permission?")
    assert _query(zalo) == {"app_id": "42", "redirect_uri": "https://x/ve",
                            "code_challenge": "chal", "state": "s2"}  # fmt: skip
    tiktok = authorize_url("https://services.tiktokshop.com/open/authorize", "7300", "s3")
    assert _query(tiktok) == {"service_id": "7300", "state": "s3"}


def test_only_the_state_fingerprint_is_kept() -> None:
    assert len(state_hash("abc")) == 32 and state_hash("abc") != state_hash("abd")


def test_a_login_needs_renewing_when_disconnected_or_close_to_its_end() -> None:
    now = NOW.timestamp()
    assert login_health("active", None, now).renewal is Renewal.FINE
    assert login_health("active", int(now) + 30 * DAY, now).renewal is Renewal.FINE
    soon = login_health("active", int(now) + 3 * DAY + 60, now)
    assert soon.renewal is Renewal.SOON and soon.days_left == 3
    assert login_health("active", int(now) - 1, now).renewal is Renewal.DUE
    assert login_health("disconnected", None, now).renewal is Renewal.DUE


def test_dashboard_alerts_carry_a_one_tap_reconnect() -> None:
    gone = ChannelState(1, "zalo", "HTX Vũ Thư", "disconnected", "token refused", None)
    (alert,) = channel_alerts(gone, NOW)
    assert alert.level is Level.DANGER and alert.link == "/cai-dat/kenh/zalo/ket-noi"
    assert alert.link_text == "Kết nối lại"
    soon = ChannelState(2, "tiktok", "Shop", "active", None, None,
                        reconnect_by=int(NOW.timestamp()) + 5 * DAY + 60)  # fmt: skip
    (warn,) = channel_alerts(soon, NOW)
    assert warn.level is Level.WARN and "còn 5 ngày" in warn.text
    assert warn.link == "/cai-dat/kenh/tiktok/ket-noi"
    relay = ChannelState(3, "relay", "Cầu nối", "disconnected", None, None)
    assert channel_alerts(relay, NOW)[0].link == ""  # no login to redo for a relay
    fine = ChannelState(4, "facebook", "Trang", "active", None, None)
    assert channel_alerts(fine, NOW) == []


def test_problems_read_in_vietnamese() -> None:
    assert problem_text("refused").startswith("Bạn đã từ chối")
    assert problem_text("something-new") == problem_text("platform")
    assert problem_text(None) == ""


def test_the_demo_offers_its_own_page_and_oa_at_the_simulated_logins() -> None:
    facebook, zalo = FacebookState(), ZaloState("demo-zalo-app", "oa-secret")
    env = login_environment("http://127.0.0.1:9/v21.0", "http://127.0.0.1:8", facebook, zalo)
    assert env["CHOTDON_FACEBOOK_DIALOG_URL"] == "http://127.0.0.1:9/v21.0/dialog/oauth"
    assert env["CHOTDON_FACEBOOK_APP_ID"] == facebook.login.app_id
    assert env["CHOTDON_ZALO_OAUTH_URL"] == "http://127.0.0.1:8"
    assert facebook.login.pages[0][0] == CHANNELS[Platform.FACEBOOK][1]
    assert zalo.login.oa_id == CHANNELS[Platform.ZALO][1]


def test_page_tasks_chotdon_needs() -> None:
    assert missing_tasks(("MANAGE",)) == ""
    assert missing_tasks(("MODERATE", "MESSAGING", "ANALYZE")) == ""
    assert missing_tasks(("ANALYZE", "ADVERTISE")) == "kiểm duyệt bình luận, nhắn tin"
    assert missing_tasks(("MODERATE",)) == "nhắn tin"
    assert missing_tasks(()) == ""  # Facebook listed none: nothing to say
