"""schemathesis against GET /openapi.json and a running app on the real test database: for every
documented operation, generated requests never get a 5xx, and every answer has a documented
status, content type and body schema."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import schemathesis
from hypothesis import HealthCheck, given, settings as hypothesis_settings
from pydantic import SecretStr
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from aggregator.settings import Settings
from schema.enums import Platform
from tests.support.facebook import app_client, facebook_settings
from tests.support.factories import seed_shop
from tests.support.platforms import RELAY_SECRET, add_channel, add_live, platform_settings

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]  # fmt: skip
EXAMPLES = 40


def _run(document: dict[str, Any], base_url: str) -> tuple[list[str], list[str]]:
    """(operations tested, failures), each failure named by its operation."""
    schema = schemathesis.openapi.from_dict(document)
    tested, failures = [], []
    for found in schema.get_all_operations():
        operation = found.ok()

        @hypothesis_settings(max_examples=EXAMPLES, deadline=None, database=None,
                             suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            case.call_and_validate(base_url=base_url, checks=CHECKS)

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # failed checks: collect all, report
            failures.append(f"{operation.label}: {str(exc)[:2000]}")
        tested.append(operation.label)
    return tested, failures


async def test_the_api_answers_as_its_openapi_document_says(
    settings: Settings, db: asyncpg.Connection
) -> None:
    configured = platform_settings(
        facebook_settings(settings), ghn_webhook_secret=SecretStr("ghn-secret-for-tests"),
        payment_webhook_secret=SecretStr("payment-secret-for-tests"),
    )  # fmt: skip
    shop = await seed_shop(db)
    channel_id, _ = await add_channel(
        db, configured, shop.tenant_id, Platform.RELAY, RELAY_SECRET, external_id="relay-api"
    )
    await add_live(db, shop.tenant_id, channel_id)
    async with app_client(configured) as client:
        document = await (await client.get("/openapi.json")).json()
        base_url = str(client.server.make_url("")).rstrip("/")
        tested, failures = await asyncio.to_thread(_run, document, base_url)
    assert failures == [], "\n\n".join(failures)
    documented = {f"{m.upper()} {p}" for p, item in document["paths"].items() for m in item}
    assert set(tested) == documented and len(tested) >= 15
