""" "Bom hàng" risk levels and the director's prepayment rule (pure)."""

from __future__ import annotations

import pytest

from aggregator.core.risk import (
    PREPAY_SETTING,
    RiskLevel,
    prepay_threshold,
    requires_prepayment,
    risk_level,
)


@pytest.mark.parametrize(
    ("delivered", "returned", "level"),
    [
        (0, 0, RiskLevel.NEW),
        (5, 0, RiskLevel.LOW),
        (0, 1, RiskLevel.MEDIUM),
        (2, 1, RiskLevel.MEDIUM),
        (9, 1, RiskLevel.LOW),
        (1, 2, RiskLevel.HIGH),
        (2, 2, RiskLevel.HIGH),
        (6, 2, RiskLevel.LOW),
        (4, 2, RiskLevel.MEDIUM),
        (0, 3, RiskLevel.BLOCKED),
    ],
)
def test_risk_level_from_delivered_and_returned(
    delivered: int, returned: int, level: RiskLevel
) -> None:
    assert risk_level(delivered, returned) is level


def test_more_refusals_never_lower_the_risk() -> None:
    for delivered in range(12):
        levels = [risk_level(delivered, r) for r in range(12)]
        assert levels == sorted(levels)


def test_prepayment_rule_reads_the_director_setting() -> None:
    assert prepay_threshold({}) is None
    assert prepay_threshold({PREPAY_SETTING: "nonsense"}) is None
    threshold = prepay_threshold({PREPAY_SETTING: "high"})
    assert threshold is RiskLevel.HIGH
    assert requires_prepayment(RiskLevel.BLOCKED, threshold)
    assert not requires_prepayment(RiskLevel.MEDIUM, threshold)
    assert not requires_prepayment(RiskLevel.BLOCKED, None)
