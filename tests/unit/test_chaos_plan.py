"""The chaos run's plan and verdict: pure parts, no processes."""

from __future__ import annotations

from collections import Counter

from aggregator.cli.chaos import problems
from aggregator.tools.chaos.config import ChaosConfig, Fault, schedule


def test_every_fault_strikes_rounds_times_during_the_sending_in_a_seeded_order() -> None:
    plan = schedule(ChaosConfig(rounds=3, seed=11))
    assert Counter(s.fault for s in plan) == dict.fromkeys(Fault, 3)
    shares = [s.at_share for s in plan]
    assert shares == sorted(shares) and shares[0] == 0.1 and shares[-1] == 0.85
    assert plan == schedule(ChaosConfig(rounds=3, seed=11))
    assert plan != schedule(ChaosConfig(rounds=3, seed=12))


def _clean() -> dict[str, object]:
    return {
        "lost": 0, "duplicate_orders": 0, "duplicate_shipments": 0, "duplicate_messages": 0,
        "consistency": {"reserved_not_held": 0, "held_on_closed": 0}, "unfinished": {},
        "pulled_comments_produced": 120, "pulled_lost": 0, "pulled_stored_twice": 0,
        "rehearsal_orders": 9, "rehearsal_leaks": 0,
        "oversold": 0, "shipped_unpaid_prepay": 0, "shipped_empty": 0, "cod_mismatch": 0,
        "paid_in_full": 5, "paid_in_part": 2, "refused_by_gate": 3,
    }  # fmt: skip


def test_the_run_fails_on_anything_lost_doubled_inconsistent_or_unfinished() -> None:
    assert problems(_clean()) == []
    cases = [
        ("lost", 1, "lost = 1"),
        ("duplicate_orders", 2, "duplicate_orders = 2"),
        ("duplicate_shipments", 1, "duplicate_shipments = 1"),
        ("duplicate_messages", 3, "duplicate_messages = 3"),
        ("consistency", {"held_on_closed": 5}, "held_on_closed = 5"),
        ("unfinished", {"open_orders": 7}, "unfinished open_orders = 7"),
        ("pulled_lost", 4, "pulled_lost = 4"),
        ("pulled_stored_twice", 1, "pulled_stored_twice = 1"),
        ("rehearsal_leaks", 2, "rehearsal_leaks = 2"),
        ("pulled_comments_produced", 0, "the pulled Facebook live produced no comment"),
        ("rehearsal_orders", 0, "the rehearsal made no order"),
        ("oversold", 1, "oversold = 1"),
        ("shipped_unpaid_prepay", 2, "shipped_unpaid_prepay = 2"),
        ("shipped_empty", 1, "shipped_empty = 1"),
        ("cod_mismatch", 3, "cod_mismatch = 3"),
        ("paid_in_part", 0, "the run did not exercise payments (full, part) and the packing gate"),
    ]
    for name, value, line in cases:
        assert problems({**_clean(), name: value}) == [line]
