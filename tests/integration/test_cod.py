"""COD reconciliation: a courier's CSV report against our delivered parcels."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from aggregator.core.cod import parse_amount, read_report
from aggregator.settings import Settings
from aggregator.shipping.cod import reconcile_report
from schema.enums import Courier
from tests.support.factories import seed_shop
from tests.support.processes import cli_env, run_cli
from tests.support.shipping import seed_packing_orders


def test_amounts_and_headers_as_couriers_write_them() -> None:
    assert parse_amount("360.000") == parse_amount("360,000 đ") == 360_000
    lines, bad = read_report(
        'Label_ID,partner_id,Pick_Money\nS1.A1.1,CD1,"360.000"\nS1.A1.2,CD2,x\n'
    )
    assert [(x.tracking_code, x.client_code, x.cod_vnd) for x in lines] == [
        ("S1.A1.1", "CD1", 360_000)
    ]
    assert bad == [(3, "not an amount: 'x'")]
    with pytest.raises(ValueError, match="header"):
        read_report("name,phone\n")


async def shipped(db: asyncpg.Connection, count: int) -> list[asyncpg.Record]:
    shop = await seed_shop(db)
    ids = await seed_packing_orders(db, shop, count, Courier.GHN)
    await db.execute(
        "INSERT INTO shipments (tenant_id, order_id, courier, client_order_code, tracking_code, "
        "status, cod_vnd) SELECT o.tenant_id, o.id, 'ghn', o.order_no, 'GHN' || o.id, "
        "'delivered', o.total_vnd FROM orders o WHERE o.id = ANY($1::bigint[])",
        ids,
    )
    return await db.fetch(
        "SELECT client_order_code AS order_no, tracking_code FROM shipments ORDER BY order_id"
    )


async def test_report_matches_mismatches_unknown_and_missing(
    db: asyncpg.Connection, settings: Settings, tmp_path: Path
) -> None:
    rows = await shipped(db, 3)
    report = (
        "order_code,client_order_code,cod_amount\n"
        f"{rows[0]['tracking_code']},,360000\n"  # right amount, by waybill
        f",{rows[1]['order_no']},300000\n"  # by our number, wrong amount
        "GHNNOPE,,10000\n"  # not ours
    )
    result = await reconcile_report(db, Courier.GHN, report, actor="test", source="r.csv")
    assert [s.client_code for s, _ in result.matched] == [rows[0]["order_no"]]
    assert [(s.cod_vnd, line.cod_vnd) for s, line in result.mismatched] == [(360_000, 300_000)]
    assert [line.tracking_code for line in result.unknown] == ["GHNNOPE"]
    assert [s.client_code for s in result.missing] == [rows[2]["order_no"]]
    again = await reconcile_report(db, Courier.GHN, report, actor="test", source="r.csv")
    assert len(again.matched) == 1
    assert await db.fetchval("SELECT count(*) FROM order_events WHERE kind = 'cod_reconciled'") == 1

    path = tmp_path / "ghn.csv"
    path.write_text(report, encoding="utf-8")
    env = cli_env(DATABASE_URL=settings.database_url or "", REDIS_URL=settings.redis_url or "")
    result_cli = await asyncio.to_thread(
        run_cli, "cod-reconcile", str(path), "--courier", "ghn", env=env, timeout=60
    )
    assert result_cli.returncode == 2
    assert (
        "1 matched, 1 amount differs, 1 unknown, 1 delivered but not reported" in result_cli.stdout
    )
