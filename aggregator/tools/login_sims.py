"""The demo's logins: the Facebook and Zalo simulators' login screens offer the demo's own Page
and OA, and chotdon is pointed at those screens, so a person can tap "Kết nối Facebook" or
"Kết nối Zalo OA" on /cai-dat/kenh during `make demo` and (re)connect them by logging in."""

from __future__ import annotations

from aggregator.tools.demo.seed import CHANNELS
from connectors.simulators.facebook_live import FacebookState
from connectors.simulators.zalo import ZaloState
from schema.enums import Platform


def login_environment(
    graph_url: str, zalo_url: str, facebook: FacebookState, zalo: ZaloState
) -> dict[str, str]:
    """CHOTDON_* settings for the login flows; the simulators offer the demo's Page and OA."""
    _, page, page_name = CHANNELS[Platform.FACEBOOK]
    facebook.login.pages = [(page, page_name), *facebook.login.pages[1:]]
    _, oa, oa_name = CHANNELS[Platform.ZALO]
    zalo.login.oa_id, zalo.login.oa_name = oa, oa_name
    return {
        "CHOTDON_FACEBOOK_APP_ID": facebook.login.app_id,
        "CHOTDON_FACEBOOK_DIALOG_URL": graph_url.rstrip("/") + "/dialog/oauth",
        "CHOTDON_ZALO_APP_SECRET": zalo.app_secret,
        "CHOTDON_ZALO_OAUTH_URL": zalo_url,
    }
