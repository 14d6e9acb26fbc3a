"""Expected attainment from history, worked by hand (nearest-rank percentiles, exact fractions).

Quotas per quarter and four past quarters of sales each:
- ann 10,000: 9,000 11,000 10,000 12,000 -> 90% 100% 110% 120%:
  median 100%, p10 90%, p90 120%, 3 of 4 at quota
- bob 10,000: 5,000 6,000 4,000 5,000 -> median 50%: 50% below the team median of 100% -> low
- cy 20,000: 18,000 20,000 20,000 22,000 -> median 100%
- fay 10,000: 14,000 15,000 15,000 16,000 -> median 150% -> high
- dee has a quota and no history; eve has a zero quota.
Team medians 50%, 100%, 100%, 150%: p10 50%, median 100%, p90 150%; three reps expected at quota.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from attain.core.errors import AttainError
from attain.planning.attainment import expected_attainment

D = Decimal
QUOTAS = {"ann": D(10000), "bob": D(10000), "cy": D(20000), "fay": D(10000), "dee": D(10000), "eve": D(0)}
HISTORY = {
    "ann": [D(9000), D(11000), D(10000), D(12000)],
    "bob": [D(5000), D(6000), D(4000), D(5000)],
    "cy": [D(18000), D(20000), D(20000), D(22000)],
    "fay": [D(14000), D(15000), D(15000), D(16000)],
}


def test_each_rep_gets_a_distribution_and_outliers_are_flagged() -> None:
    team = expected_attainment(QUOTAS, HISTORY, tolerance=D("0.25"))
    by_rep = {r.rep: r for r in team.reps}
    ann = by_rep["ann"]
    assert (ann.p10, ann.median, ann.p90, ann.at_quota, ann.periods) == (
        D("0.9"), D("1"), D("1.2"), D("0.75"), 4)
    assert (by_rep["bob"].median, by_rep["bob"].vs_team, by_rep["bob"].flag) == (D("0.5"), D("-0.5"), "low")
    assert (by_rep["fay"].median, by_rep["fay"].flag) == (D("1.5"), "high")
    assert by_rep["cy"].flag == "" and by_rep["cy"].at_quota == D("0.75")
    assert by_rep["dee"].flag == "no history" and by_rep["eve"].flag == "no quota"
    assert (team.p10, team.median, team.p90, team.expected_at_quota) == (D("0.5"), D("1"), D("1.5"), 3)
    assert [r.rep for r in team.outliers] == ["bob", "dee", "eve", "fay"]


def test_a_wider_tolerance_flags_fewer_reps() -> None:
    team = expected_attainment(QUOTAS, HISTORY, tolerance=D("0.6"))
    assert [r.rep for r in team.outliers] == ["dee", "eve"]


def test_no_quotas_is_an_error() -> None:
    with pytest.raises(AttainError) as empty:
        expected_attainment({}, HISTORY)
    assert empty.value.code == "PLNG016"
