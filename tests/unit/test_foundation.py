"""Small guarantees of the foundation: our `schema` package, settings, log masking, state table."""

from __future__ import annotations

from pathlib import Path

import pytest
import structlog

import schema
from aggregator.logging import mask_personal_data, mask_phone_text
from aggregator.settings import Settings
from schema.states import ALLOWED_FROM, FINAL_STATUSES, OrderStatus, can_move

REPO = Path(__file__).resolve().parents[2]


def test_schema_is_our_package_not_the_pypi_one() -> None:
    assert Path(schema.__file__).resolve().is_relative_to(REPO)


@pytest.mark.parametrize(
    "text",
    ["0912345678", "0912.345.678", "0912 345 678", "+84 912 345 678", "84-912-345-678",
     "(+84)912345678"],
)  # fmt: skip
def test_phone_numbers_are_masked_in_any_writing(text: str) -> None:
    masked = mask_phone_text(f"sdt {text} nhé")
    assert "345" not in masked
    assert masked.endswith("78 nhé")


def test_addresses_and_nested_phones_are_masked() -> None:
    event = mask_personal_data(
        None,
        "info",
        {
            "event": "order.confirmed",
            "address": "12 Lý Thường Kiệt",
            "order": {"phone": "0987654321"},
        },
    )
    assert event["address"] == "***"
    assert event["order"]["phone"] == "********21"


def test_masking_runs_in_the_configured_chain() -> None:
    with structlog.testing.capture_logs(processors=[mask_personal_data]) as logs:
        structlog.get_logger().info("buyer.messaged", text="gọi 0912345678")
    assert logs[0]["text"] == "gọi ********78"


def test_service_urls_come_from_the_standard_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/x")
    monkeypatch.setenv("REDIS_URL", "redis://r:6379/0")
    monkeypatch.setenv("CHOTDON_PORT", "9000")
    settings = Settings()
    assert (settings.database_url, settings.redis_url, settings.port) == (
        "postgresql://db/x",
        "redis://r:6379/0",
        9000,
    )
    assert not settings.uses_embedded_services


def test_secrets_never_show_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHOTDON_GHN_TOKEN", "very-secret-token")
    assert "very-secret-token" not in repr(Settings())


def test_final_statuses_have_no_way_out() -> None:
    for final in FINAL_STATUSES:
        assert not any(final in sources for sources in ALLOWED_FROM.values())
    assert can_move(OrderStatus.SHIPPED, OrderStatus.DELIVERED)
    assert not can_move(OrderStatus.DELIVERED, OrderStatus.SHIPPED)
