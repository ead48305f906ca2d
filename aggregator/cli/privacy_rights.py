"""`chotdon privacy requests|retention`: buyers' open requests with their deadlines, and the
retention schedule applied now (the worker's daily job, run by hand)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from aggregator.cli.privacy import _run
from aggregator.core.privacy import due_text
from aggregator.errors import NotFoundError
from aggregator.orders.privacy_requests import staff_requests
from aggregator.orders.retention import apply_all, apply_schedule
from aggregator.runtime.db import create_pool
from aggregator.settings import Settings
from schema.queries import query

privacy_app = typer.Typer(
    help="Buyers' personal-data requests and the retention schedule.", no_args_is_help=True
)
Tenant = Annotated[str, typer.Option(help="Cooperative slug.")]


async def _tenant_id(pool: Any, slug: str) -> int:
    row = await pool.fetchrow(query("tenant_by_slug"), slug)
    if row is None:
        raise NotFoundError(f"no cooperative {slug!r}")
    return int(row["id"])


@privacy_app.command("requests")
def requests(tenant: Tenant) -> None:
    """Open requests first (with the days left), then the last ones handled."""

    async def work(settings: Settings) -> list[Any]:
        pool = await create_pool(settings, min_size=1, max_size=1)
        try:
            return await staff_requests(pool, await _tenant_id(pool, tenant))
        finally:
            await pool.close()

    now = datetime.now(UTC)
    for r in _run(work):
        due = due_text(now, r["due_at"]) if r["status"] == "open" and r["due_at"] else ""
        typer.echo(f"#{r['id']} {r['kind']} {r['status']} order {r['order_no'] or '-'} "
                   f"asked {r['at']:%Y-%m-%d %H:%M} UTC {due}".rstrip())  # fmt: skip


@privacy_app.command("retention")
def retention(
    tenant: Annotated[str | None, typer.Option(help="Only this cooperative.")] = None,
) -> None:
    """Apply the retention schedule now; prints rows emptied per kind."""

    async def work(settings: Settings) -> dict[int, dict[Any, int]]:
        pool = await create_pool(settings, min_size=1, max_size=1)
        try:
            now = datetime.now(UTC)
            if tenant is None:
                return await apply_all(pool, now)
            tenant_id = await _tenant_id(pool, tenant)
            return {tenant_id: await apply_schedule(pool, tenant_id, now)}
        finally:
            await pool.close()

    for tenant_id, kinds in _run(work).items():
        typer.echo(f"cooperative {tenant_id}: "
                   + ", ".join(f"{k.value} {v}" for k, v in kinds.items()))  # fmt: skip
