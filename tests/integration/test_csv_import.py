"""CSV import: good rows go through the ingest path, bad rows are named by their line."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import asyncpg

from aggregator.ingest.csv_import import CsvKind, read_csv
from aggregator.orders.merge import merge_session
from aggregator.settings import Settings
from tests.support.factories import seed_shop
from tests.support.processes import cli_env, run_cli

COMMENTS = """platform,channel,live,comment_id,author_id,author_name,text,commented_at
facebook,{page},{live},k1,u1,Lan,chốt A01 x2,2026-11-25T20:00:00+07:00
facebook,{page},{live},k2,u2,Minh,lấy 2 hộp nem,
myspace,{page},{live},k3,u3,X,chốt A01,
facebook,{page},{live},,u4,Y,chốt A01,
facebook,{page},{live},k5,u5,Z,chốt A01,not-a-date
facebook,{page},{live},k6,u6,Q,chốt,A01,extra
"""

ORDERS = """platform,channel,live,entry_id,buyer_id,buyer_name,phone,code,qty,variant
facebook,{page},{live},e1,tel:0912345678,Cô Hoa,0912 345 678,a01,3,
facebook,{page},{live},e2,tel:0987654321,Anh Tú,02273 123 456,N01,1,
facebook,{page},{live},e3,tel:0987654321,Anh Tú,,N01,zero,
"""


def test_bad_comment_rows_are_named_by_line() -> None:
    reading = read_csv(io.StringIO(COMMENTS.format(page="p", live="l")), CsvKind.COMMENTS)
    assert len(reading.events) == 2
    assert [b.line for b in reading.bad_rows] == [4, 5, 6, 7]
    assert "platform" in reading.bad_rows[0].error
    assert reading.bad_rows[1].error.startswith("comment_id:")
    assert "commented_at" in reading.bad_rows[2].error
    assert "more cells" in reading.bad_rows[3].error


def test_missing_columns_fail_the_whole_file_clearly() -> None:
    try:
        read_csv(io.StringIO("platform,text\nfacebook,hi\n"), CsvKind.COMMENTS)
    except ValueError as exc:
        assert "missing column(s) for comments: channel, comment_id, author_id" in str(exc)
    else:
        raise AssertionError("expected a format error")


async def test_import_comments_and_orders_from_the_command_line(
    db: asyncpg.Connection, pool: asyncpg.Pool, settings: Settings, tmp_path: Path
) -> None:
    shop = await seed_shop(db, stock={"A01": 10})
    comments, orders = tmp_path / "comments.csv", tmp_path / "orders.csv"
    comments.write_text(COMMENTS.format(page=shop.page_id, live=shop.live_id), encoding="utf-8")
    orders.write_text(ORDERS.format(page=shop.page_id, live=shop.live_id), encoding="utf-8")
    env = cli_env(DATABASE_URL=settings.database_url or "", REDIS_URL=settings.redis_url or "")

    first = await asyncio.to_thread(
        run_cli, "import-csv", str(comments), "--kind", "comments", env=env
    )
    assert first.returncode == 2
    assert "6 rows: 2 stored, 0 already there, 0 orphaned (no matching live), 4 bad" in first.stdout
    assert "line 4: platform" in first.stderr
    again = await asyncio.to_thread(
        run_cli, "import-csv", str(comments), "--kind", "comments", env=env
    )
    assert "0 stored, 2 already there" in again.stdout

    typed = await asyncio.to_thread(run_cli, "import-csv", str(orders), "--kind", "orders", env=env)
    assert "1 stored" in typed.stdout
    assert "line 3: phone '02273 123 456' is not a Vietnamese mobile number" in typed.stderr
    assert "line 4: qty 'zero'" in typed.stderr

    await merge_session(pool, shop.session_id)
    rows = await db.fetch(
        "SELECT b.external_user_id, i.code, i.qty FROM order_items i JOIN orders o "
        "ON o.id = i.order_id JOIN buyer_identities b ON b.id = o.buyer_identity_id ORDER BY 1"
    )
    assert [tuple(r) for r in rows] == [
        ("tel:0912345678", "A01", 3),
        ("u1", "A01", 2),
        ("u2", "N01", 2),
    ]
    assert await db.fetchval("SELECT phone FROM buyers WHERE phone IS NOT NULL") == "0912345678"
