"""The pydantic row models and the SQL migrations describe the same tables, and every table a
cooperative owns carries its tenant_id."""

from __future__ import annotations

import types
import typing

import asyncpg
import pytest

from schema.models import ALL_ROW_MODELS, Row


def _is_optional(annotation: object) -> bool:
    return type(None) in typing.get_args(annotation) or isinstance(annotation, types.NoneType)


@pytest.mark.parametrize("model", ALL_ROW_MODELS, ids=lambda m: m.table)
async def test_model_fields_are_the_table_columns(db: asyncpg.Connection, model: type[Row]) -> None:
    rows = await db.fetch(
        "SELECT column_name, is_nullable FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name = $1",
        model.table,
    )
    columns = {r["column_name"]: r["is_nullable"] == "YES" for r in rows}
    hints = typing.get_type_hints(model)
    fields = {name: _is_optional(hints[name]) for name in model.model_fields}
    assert columns == fields


async def test_every_tenant_owned_table_carries_tenant_id(db: asyncpg.Connection) -> None:
    # login_failures, login_limits: per login and address before anyone knows the cooperative.
    # host_accounts, host_sessions: a host serves many cooperatives and belongs to none (0025).
    # comment_keys, webhook_delivery_keys: a platform's idempotency key, taken before anyone
    # knows the cooperative (an orphaned comment, a delivery not yet read) (0034).
    untenanted = {
        "schema_migrations", "tenants", "worker_heartbeats", "login_failures", "login_limits",
        "host_accounts", "host_sessions", "comment_keys", "webhook_delivery_keys",
    }  # fmt: skip
    rows = await db.fetch(
        "SELECT t.table_name, bool_or(c.column_name = 'tenant_id') AS tenanted "
        "FROM information_schema.tables t JOIN information_schema.columns c "
        "ON c.table_schema = t.table_schema AND c.table_name = t.table_name "
        "WHERE t.table_schema = 'public' GROUP BY t.table_name"
    )
    assert len(rows) > len(untenanted)
    for row in rows:
        if row["table_name"] not in untenanted:
            assert row["tenanted"], row["table_name"]
