"""`chotdon chaos`, small: every kind of fault strikes once while lives on Facebook, TikTok and
Zalo send their comments, and the database shows nothing lost or doubled."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tests.support.processes import cli_env, processes_using, run_cli

KINDS = {"kill_worker", "kill_web", "flush_redis", "drop_postgres", "courier_timeout",
         "kill_facebook_pull"}  # fmt: skip


@pytest.mark.timeout(600)  # processes start slowly on a busy machine
def test_a_small_chaos_run_loses_and_doubles_nothing(admin_url: str, redis_url: str) -> None:
    env = cli_env(DATABASE_URL=admin_url, REDIS_URL=redis_url)
    done = run_cli(
        "chaos", "--comments", "1500", "--lives", "6", "--rounds", "1", "--settle-timeout", "240",
        "--json", env=env, timeout=600,
    )  # fmt: skip
    figures = orjson.loads(done.stdout)
    assert done.returncode == 0, done.stderr[-2000:]
    assert figures["faults_injected"] == dict.fromkeys(KINDS, 1)
    assert figures["courier_stalls"] >= 1  # a courier really accepted and then timed out
    assert figures["comments_sent"] == figures["comments_stored"] == 1500
    assert figures["lost"] == figures["comments_stored_twice"] == 0
    assert figures["duplicate_orders"] == figures["duplicate_shipments"] == 0
    assert figures["duplicate_messages"] == 0 and figures["messages_received_by_platforms"] > 0
    assert set(figures["consistency"].values()) == {0} and figures["unfinished"] == {}
    assert figures["delivered"] > 0 and figures["returned"] > 0
    assert figures["shipments"] == figures["courier_parcels"] > 0
    # the live `chotdon facebook-pull` read, killed -9 and restarted mid-live: nothing lost
    assert figures["pulled_comments_produced"] == figures["pulled_comments_stored"] > 0
    assert figures["pulled_lost"] == figures["pulled_stored_twice"] == 0
    # a live replayed into a sandbox copy reached no queue, dashboard, report, courier or buyer
    assert figures["rehearsal_orders"] > 0 and figures["rehearsal_leaks"] == 0
    # one live on three channels, one pool; prepayments paid in full, in part or never
    assert figures["broadcasts"] == 2 and figures["lives"] == 6
    rules = ("oversold", "shipped_unpaid_prepay", "shipped_empty", "cod_mismatch")
    assert [figures[name] for name in rules] == [0, 0, 0, 0]
    assert figures["paid_in_full"] > 0 and figures["paid_in_part"] > 0
    assert figures["expired_unpaid"] > 0 and figures["refused_by_gate"] > 0
    # the evening's footprint is read from Postgres: every stored comment counted, rows beyond it
    footprint = figures["footprint"]
    assert footprint["footprint_comments"] >= figures["comments_stored"]
    assert footprint["rows_per_comment"] > 1 and footprint["bytes_per_comment"] > 0


@pytest.mark.timeout(600)
def test_on_the_embedded_servers_the_postgres_fault_restarts_the_server(tmp_path: Path) -> None:
    """Without DATABASE_URL the run owns its Postgres: the fault is a real restart (every
    connection cut, new ones refused until it is back), and nothing is lost or doubled."""
    data_dir = tmp_path / "data"
    env = cli_env(CHOTDON_DATA_DIR=str(data_dir))
    done = run_cli(
        "chaos", "--comments", "400", "--lives", "3", "--rounds", "1", "--settle-timeout", "240",
        "--json", env=env, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    figures = orjson.loads(done.stdout)
    restarted = KINDS - {"drop_postgres"} | {"restart_postgres"}
    assert figures["faults_injected"] == dict.fromkeys(restarted, 1)
    assert figures["connections_dropped"] == 0  # restarted, not terminated
    assert figures["comments_sent"] == figures["comments_stored"] == 400
    assert figures["lost"] == figures["duplicate_orders"] == figures["duplicate_shipments"] == 0
    assert figures["duplicate_messages"] == 0 and figures["unfinished"] == {}
    assert not processes_using(str(data_dir)), "the restarted Postgres outlived the run"
