"""Replay: a recorded or past live plays into a rehearsal copy; bad lines are named and skipped."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import orjson
from arq.connections import ArqRedis

from aggregator.ingest.pipeline import Ingestor
from aggregator.rehearsal.figures import wait_until_merged
from aggregator.rehearsal.recording import read_recording
from aggregator.settings import Settings
from tests.support.factories import seed_shop
from tests.support.processes import REPO, chotdon, cli_env, run_cli

EXAMPLE = REPO / "examples" / "live-thai-binh.jsonl"


def test_the_shipped_example_recording_reads_cleanly() -> None:
    recording = read_recording(EXAMPLE.read_text(encoding="utf-8").splitlines())
    assert recording.bad_lines == []
    assert len(recording.comments) == 300
    assert recording.duration_s > 60


def test_corrupt_lines_are_named_and_the_rest_plays() -> None:
    lines = ['{"t": 1, "author_id": "x", "text": "chốt A01"}', "not json", '{"t": -1, "text": "a"}',
             '{"t": 2, "author_id": "y", "text": "lấy 2 hộp nem"', ""]  # fmt: skip
    recording = read_recording(lines)
    assert len(recording.comments) == 1
    assert [n for n, _ in recording.bad_lines] == [2, 3, 4]
    assert recording.bad_lines[1][1].startswith("t:")


async def test_replays_play_into_a_rehearsal_copy_with_the_original_stock(
    db: asyncpg.Connection,
    pool: asyncpg.Pool,
    arq_pool: ArqRedis,
    settings: Settings,
    tmp_path: Path,
) -> None:
    shop = await seed_shop(db, stock={"A01": 1}, slug="htx-replay")
    slug = await db.fetchval("SELECT slug FROM tenants WHERE id = $1", shop.tenant_id)
    async with Ingestor(pool, arq_pool) as ingestor:
        await ingestor.submit_many([shop.comment("chốt A01", "a"), shop.comment("chốt A01", "b")])
    recording = tmp_path / "live.jsonl"
    recording.write_text(
        '{"t": 0, "author_id": "a", "text": "chốt A01"}\n'
        '{"t": 0.1, "author_id": "b", "text": "lấy 2 hộp nem"}\n'
        "garbage\n",
        encoding="utf-8",
    )
    env = cli_env(DATABASE_URL=settings.database_url or "", REDIS_URL=settings.redis_url or "")
    env["CHOTDON_ARQ_QUEUE"] = settings.arq_queue
    worker = await asyncio.create_subprocess_exec(*chotdon("worker"), env=env, cwd=REPO)
    try:
        past = await asyncio.to_thread(
            run_cli, "replay", str(shop.session_id), "--speed", "50", env=env
        )
        from_file = await asyncio.to_thread(
            run_cli, "replay", str(recording), "--tenant", slug, "--speed", "10", env=env
        )
        assert await wait_until_merged(pool, [shop.session_id], 30)
    finally:
        worker.terminate()
        await worker.wait()
    assert past.returncode == 0, past.stderr[-2000:]
    copy = orjson.loads(past.stdout)
    assert copy["rehearsal_session"] != shop.session_id
    rehearsal = await db.fetchrow(
        "SELECT sandbox, status FROM live_sessions WHERE id = $1", copy["rehearsal_session"]
    )
    assert rehearsal is not None and rehearsal["sandbox"] and rehearsal["status"] == "ended"
    assert copy["figures"]["manual"]["orders"] == 2
    assert copy["figures"]["manual"]["waitlisted"] == 1  # the copy has the original's stock of 1
    original = await db.fetchval("SELECT reserved FROM live_stock WHERE live_id = $1", shop.live)
    assert original == 1  # the real live's own holds are untouched by the rehearsal
    assert from_file.returncode == 0, from_file.stderr[-2000:]
    assert "line 3: not JSON" in from_file.stderr
    assert orjson.loads(from_file.stdout)["comments_sent"] == 2


def test_replaying_a_file_without_a_cooperative_is_refused_clearly() -> None:
    result = run_cli(
        "replay", str(EXAMPLE), env=cli_env(DATABASE_URL="postgresql://x@127.0.0.1:1/x")
    )
    assert result.returncode == 1
    assert "needs --tenant" in result.stderr
