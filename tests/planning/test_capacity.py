"""Capacity: hand-computed hiring plans with ramp, attrition and backfills."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from attain.core.errors import AttainError
from attain.planning.capacity import Assumptions, headcount_needed, hiring_plan, simulate


def test_new_team_from_scratch() -> None:
    # a hire sells 10,000 x (1/3 + 2/3 + 10 x 1) = 110,000 in a year: 1,000,000 needs 10 (9.09 -> 10)
    plan = hiring_plan(D(1_000_000), [], Assumptions(D(10_000), 3))
    assert plan.growth_hires == 10
    assert plan.output == D(1_100_000)
    assert plan.months[0].output == D("33333.33") and plan.months[2].output == D(100_000)


def test_existing_reps_count_first() -> None:
    # 5 ramped reps sell 600,000; 400,000 left / 110,000 per hire = 3.6 -> 4
    plan = hiring_plan(D(1_000_000), [12] * 5, Assumptions(D(10_000), 3))
    assert plan.growth_hires == 4
    assert plan.output == D(1_040_000)
    assert hiring_plan(D(600_000), [12] * 5, Assumptions(D(10_000), 3)).growth_hires == 0


def test_attrition_and_backfills() -> None:
    # 10 ramped reps, 10% leave a month, 3 months:
    # m1: 10 x 10,000 = 100,000; 1 leaves -> m2 backfill 1 (ramp 1/3): 9 x 10,000 + 3,333.33 = 93,333.33;
    # m2 leavers 0.9 + 0.1 = 1 (2 so far) -> m3 backfill 1: 8.1 x 10,000 + 0.9 x 2/3 x 10,000 + 3,333.33
    months = simulate([12] * 10, 0, Assumptions(D(10_000), 3, D("0.1"), 3))
    assert [m.backfills for m in months] == [0, 1, 1]
    assert [m.output for m in months] == [D(100_000), D("93333.33"), D("90333.33")]
    assert months[-1].cumulative == D("283666.67")
    assert [m.headcount for m in months] == [D(10), D(10), D(10)]


def test_late_hiring_can_make_a_target_unreachable() -> None:
    with pytest.raises(AttainError) as caught:
        hiring_plan(D(10**12), [], Assumptions(D(10_000), 3, horizon_months=12, hire_month=12))
    assert caught.value.code == "PLNG007"


def test_bad_assumptions() -> None:
    with pytest.raises(AttainError):
        simulate([], 1, Assumptions(D(0), 3))
    with pytest.raises(AttainError):
        simulate([], 1, Assumptions(D(1), 3, D(1)))


def test_headcount_needed() -> None:
    assert headcount_needed(D(1_000_000), Assumptions(D(10_000), 3)) == 9  # 8.33 -> 9
