"""Links to the order page: keys derived from the app secret, tokens made and opened."""

from __future__ import annotations

import time

from aggregator.core.links import (
    FORM_PURPOSE,
    LINK_PURPOSE,
    derive_key,
    sign_order_token,
    verify_order_token,
)
from aggregator.core.returns import MAX_WINDOW_DAYS
from aggregator.errors import ConfigurationError
from aggregator.settings import Settings

ORDER_PATH = "/o/"


def _secret(settings: Settings) -> bytes:
    if settings.app_secret is None:
        raise ConfigurationError("CHOTDON_APP_SECRET is required to sign buyers' order links")
    return settings.app_secret.get_secret_value().encode()


def link_key(settings: Settings) -> bytes:
    return derive_key(_secret(settings), LINK_PURPOSE)


def form_key(settings: Settings) -> bytes:
    return derive_key(_secret(settings), FORM_PURPOSE)


def order_token(settings: Settings, order_id: int, now: float | None = None) -> str:
    expires = int(now if now is not None else time.time()) + settings.buyer_link_ttl_s
    return sign_order_token(link_key(settings), order_id, expires)


def order_link(settings: Settings, order_id: int, now: float | None = None) -> str:
    """The buyer's personal link, under the public base URL."""
    return settings.base_url.rstrip("/") + ORDER_PATH + order_token(settings, order_id, now)


def open_token(settings: Settings, token: str, now: float | None = None) -> int:
    """The order id of a token; raises aggregator.core.links.LinkError."""
    moment = int(now if now is not None else time.time())
    return verify_order_token(link_key(settings), token, moment)


RETURN_LINK_TTL_S = (MAX_WINDOW_DAYS + 1) * 86_400  # outlives any return window a director sets


def return_link(settings: Settings, order_id: int, now: float | None = None) -> str:
    """The return page of a delivered order (sent with the delivery news). It lives as long as the
    longest return window: the order page it also opens hides the recipient of a delivered order."""
    moment = int(now if now is not None else time.time())
    expires = moment + max(settings.buyer_link_ttl_s, RETURN_LINK_TTL_S)
    token = sign_order_token(link_key(settings), order_id, expires)
    return f"{settings.base_url.rstrip('/')}{ORDER_PATH}{token}/doi-tra"
