"""Import a courier's COD report: match it to our parcels, record what is settled, list the rest.

Matched parcels get one `cod_reconciled` order event (idempotent: importing the same report
twice records nothing new). Amount mismatches, unknown codes and delivered COD parcels the report
does not mention are returned for staff.
"""

from __future__ import annotations

from pathlib import Path

from aggregator.core.cod import Reconciliation, ShippedCod, read_report, reconcile
from aggregator.errors import BadInputError, ServiceUnavailableError
from aggregator.runtime.db import Connection, connection
from aggregator.settings import Settings
from schema.enums import Courier
from schema.queries import query


async def reconcile_report(
    conn: Connection, courier: Courier, text: str, *, actor: str, source: str
) -> Reconciliation:
    try:
        lines, bad = read_report(text)
    except ValueError as exc:
        raise BadInputError(str(exc)) from exc
    rows = await conn.fetch(
        query("shipments_for_cod"),
        courier.value,
        [line.tracking_code for line in lines if line.tracking_code],
        [line.client_code for line in lines if line.client_code],
    )
    shipped = [
        ShippedCod(r["id"], r["order_id"], r["tracking_code"], r["client_order_code"],
                   r["status"], r["cod_vnd"])
        for r in rows
    ]  # fmt: skip
    result = reconcile(lines, shipped)
    result.bad_rows = bad
    async with conn.transaction():
        await conn.execute(
            query("record_cod_reconciled"),
            [s.order_id for s, _ in result.matched],
            actor,
            f"COD report {source}",
            [line.cod_vnd for _, line in result.matched],
        )
    return result


async def reconcile_file(settings: Settings, courier: Courier, path: Path) -> Reconciliation:
    if not settings.database_url:
        raise ServiceUnavailableError("DATABASE_URL is not set")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"cannot read {path}: {exc}") from exc
    async with connection(settings.database_url) as conn:
        return await reconcile_report(conn, courier, text, actor="cli", source=path.name)
