"""Every webhook parser, fed hostile bodies by hypothesis (mutations of the real shape, random
JSON, huge numbers, invalid UTF-8, NUL bytes), either returns a value or raises the connectors'
own error — never anything else, which would be a 500 at the web edge."""

from __future__ import annotations

import contextlib
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from pydantic import ValidationError

from aggregator.confirmation.bank_transfers import read
from aggregator.confirmation.payments import PaymentNotice
from aggregator.platforms.facebook.events import (
    comment_revision,
    feed_comment_event,
    messenger_event,
)
from connectors.banks import ADAPTERS
from connectors.couriers.port import WebhookRequest
from connectors.couriers.registry import WEBHOOKS
from connectors.errors import ConnectorError
from connectors.facebook.webhook import parse_delivery
from connectors.relay.models import comment_events, parse_batch
from connectors.tiktok.webhook import parse_notification
from connectors.zalo.signature import body_timestamp
from connectors.zalo.webhook import comment_event, parse_event
from schema.enums import BankProvider, Courier
from tests.support.hostile import bodies

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _read(parse: Any, body: bytes) -> Any:
    """The parser's value, or None when it refused the body with a connector error."""
    try:
        return parse(body)
    except ConnectorError:
        return None


@FUZZ
@given(bodies("facebook"))
def test_facebook_deliveries(body: bytes) -> None:
    delivery = _read(parse_delivery, body)
    if delivery is not None:
        assert isinstance(delivery.key, str)
        for comment in delivery.comments:
            feed_comment_event(comment, None)
            comment_revision(comment)
        for message in [*delivery.messages, *delivery.edits]:
            messenger_event(message)


@FUZZ
@given(bodies("tiktok"))
def test_tiktok_notifications(body: bytes) -> None:
    notification = _read(parse_notification, body)
    if notification is not None:
        assert notification.order_id is None or isinstance(notification.order_id, str)
        assert isinstance(notification.update_time, int)


@FUZZ
@given(bodies("zalo"))
def test_zalo_events(body: bytes) -> None:
    _read(body_timestamp, body)  # read before the signature is checked
    event = _read(parse_event, body)
    if event is not None:
        assert isinstance(event.delivery_key, str)
        event.at  # noqa: B018 — the timestamp is read from the body
        comment_event(event)


@FUZZ
@given(bodies("relay"))
def test_relay_batches(body: bytes) -> None:
    batch = _read(parse_batch, body)
    if batch is not None:
        comment_events("relay-1", batch)


@pytest.mark.parametrize("courier", list(Courier))
def test_courier_webhooks(courier: Courier) -> None:
    content_type = (
        "application/x-www-form-urlencoded" if courier is Courier.GHTK else "application/json"
    )
    spec = WEBHOOKS[courier]

    @FUZZ
    @given(bodies(courier.value))
    def check(body: bytes) -> None:
        request = WebhookRequest(headers={}, query={}, body=body, content_type=content_type)
        _read(lambda _b: spec.secrets(request), body)
        _read(lambda _b: spec.parse(request), body)
        assert isinstance(spec.redact(body), bytes)  # redaction runs on every stored body

    check()


@FUZZ
@given(bodies("payments"))
def test_payment_notices(body: bytes) -> None:
    with contextlib.suppress(orjson.JSONDecodeError, ValidationError):  # answered with a 400
        PaymentNotice.model_validate(orjson.loads(body))


@pytest.mark.parametrize("provider", list(BankProvider))
def test_bank_notices(provider: BankProvider) -> None:
    adapter = ADAPTERS[provider]

    @FUZZ
    @given(bodies(provider.value))
    def check(body: bytes) -> None:
        _read(adapter.account_of, body)
        _read(lambda b: adapter.verify(b, {"x-casso-signature": "t=1,v1=00"}, "k"), body)
        _read(lambda b: read(adapter, b), body)

    check()
