"""Golden tests of quota allocation, bottom-up capacity, blending, fairness and proration (hand-computed)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attain.core.errors import AttainError
from attain.core.periods import CALENDAR
from attain.planning.quotas import (
    Allocation,
    RepCapacity,
    Segment,
    allocate,
    blend,
    bottom_up,
    fairness,
    mix_weights,
    prorate_by_days,
    prorate_by_weights,
)


def quotas(rows: list[Allocation]) -> dict[str, D]:
    return {a.assignee: a.quota for a in rows}


def test_largest_remainder_to_thousands() -> None:
    # 1,000,000 by 1:1:1 in 1,000s: 333.33 units each -> 333, 333, 333 and 1 unit left to "a" (tie, by name)
    result = quotas(allocate(D(1_000_000), {"a": D(1), "b": D(1), "c": D(1)}, D(1000)))
    assert result == {"a": D(334_000), "b": D(333_000), "c": D(333_000)}


def test_largest_fraction_wins_the_leftover_unit() -> None:
    # 10 units by 0.26/0.37/0.37 -> 2.6, 3.7, 3.7: wholes 2+3+3 = 8, two left go to .7, .7
    result = quotas(allocate(D(10_000), {"x": D("0.26"), "y": D("0.37"), "z": D("0.37")}, D(1000)))
    assert result == {"x": D(2000), "y": D(4000), "z": D(4000)}
    # 0.2/0.35/0.45 of 10 -> 2, 3.5, 4.5: one left, tie of .5 broken by name: y
    result = quotas(allocate(D(10_000), {"x": D("0.2"), "y": D("0.35"), "z": D("0.45")}, D(1000)))
    assert result == {"x": D(2000), "y": D(4000), "z": D(4000)}


def test_floor_clamps_and_others_share_the_rest() -> None:
    # 1,200,000 by 1:5:6 -> a would get 100,000; floor 250,000 fixes a; 950,000 by 5:6
    # b = 950 x 5/11 = 431.818 -> 431 (+1? fractions .818 vs .181: b gets the unit) = 432,000; c = 518,000
    rows = allocate(D(1_200_000), {"a": D(1), "b": D(5), "c": D(6)}, D(1000), floors={"a": D(250_000)})
    assert quotas(rows) == {"a": D(250_000), "b": D(432_000), "c": D(518_000)}
    assert [r.bound for r in rows] == ["floor", "", ""]


def test_ceiling_clamps() -> None:
    # 900 by 8:1:1 with ceiling 500 on a: a=500, b and c share 400 -> 200 each
    rows = allocate(D(900), {"a": D(8), "b": D(1), "c": D(1)}, D(1), ceilings={"a": D(500)})
    assert quotas(rows) == {"a": D(500), "b": D(200), "c": D(200)}
    assert rows[0].bound == "ceiling"


def test_clamping_cascades() -> None:
    # 100 by 1:1:10, floors 20 on a and b: a=b=20 (ideal 8.33), c = 60
    rows = allocate(D(100), {"a": D(1), "b": D(1), "c": D(10)}, D(1), floors={"a": D(20), "b": D(20)})
    assert quotas(rows) == {"a": D(20), "b": D(20), "c": D(60)}


def test_cents_by_default() -> None:
    assert quotas(allocate(D("100.00"), {"a": D(1), "b": D(2)})) == {"a": D("33.33"), "b": D("66.67")}


@pytest.mark.parametrize(("target", "weights", "kw", "code"), [
    (D(1500), {"a": D(1)}, {"unit": D(1000)}, "PLNG001"),
    (D(-1000), {"a": D(1)}, {"unit": D(1000)}, "PLNG001"),
    (D(1000), {"a": D(0), "b": D(0)}, {}, "PLNG002"),
    (D(1000), {"a": D(-1)}, {}, "PLNG002"),
    (D(1000), {}, {}, "PLNG002"),
    (D(1000), {"a": D(1), "b": D(1)}, {"floors": {"a": D(600), "b": D(600)}}, "PLNG003"),
    (D(1000), {"a": D(1), "b": D(1)}, {"ceilings": {"a": D(400), "b": D(400)}}, "PLNG003"),
    (D(1000), {"a": D(1)}, {"floors": {"a": D(900)}, "ceilings": {"a": D(800)}}, "PLNG003"),
])
def test_bad_requests_have_codes(target: D, weights: dict[str, D], kw: dict[str, Any], code: str) -> None:
    with pytest.raises(AttainError) as caught:
        allocate(target, weights, **kw)
    assert caught.value.code == code


@given(
    units=st.integers(0, 10_000),
    weights=st.lists(st.integers(1, 1000), min_size=1, max_size=12),
    floor_units=st.integers(0, 50),
)
def test_always_sums_exactly_and_respects_floors(units: int, weights: list[int], floor_units: int) -> None:
    names = {f"r{i:02d}": D(w) for i, w in enumerate(weights)}
    floors = {"r00": D(floor_units * 500)}
    if floor_units * 500 > units * 500:
        return
    rows = allocate(D(units * 500), names, D(500), floors=floors)
    assert sum(r.quota for r in rows) == D(units * 500)
    assert all(r.quota % 500 == 0 and r.quota >= 0 for r in rows)
    assert rows[0].quota >= floors["r00"]


def test_mix_weights() -> None:
    history = {"a": D(300), "b": D(100)}  # shares 0.75 / 0.25
    potential = {"a": D(1), "b": D(3)}  # shares 0.25 / 0.75
    mixed = mix_weights({"history": history, "potential": potential},
                        {"history": D("0.6"), "potential": D("0.4")})
    assert mixed == {"a": D("0.55"), "b": D("0.45")}


def test_bottom_up_ramp_and_attrition() -> None:
    # productivity 10,000/month, ramp 3 months (1/3, 2/3, 1), quarter
    reps = [RepCapacity("vet", 12, 3), RepCapacity("new", 0, 3), RepCapacity("late", 0, 1)]
    result = bottom_up(reps, D(10_000), 3)
    assert result["vet"] == D(30_000)
    assert result["new"] == D(20_000)  # 10,000 x (1/3 + 2/3 + 1)
    assert result["late"] == D("3333.3333333333")
    # 10% monthly attrition: vet 10,000 x (1 + 0.9 + 0.81) = 27,100
    assert bottom_up([RepCapacity("vet", 12, 3)], D(10_000), 3, D("0.1"))["vet"] == D(27_100)


def test_blend_reallocates_exactly() -> None:
    rows = blend(D(100_000), {"a": D(60_000), "b": D(40_000)}, {"a": D(20_000), "b": D(20_000)}, D("0.5"),
                 D(1000))
    # mix a = 40,000, b = 30,000 -> 100,000 x 4/7 = 57,142.9 -> 57 units, b 42.857 -> 43 units
    assert {r.rep: r.blended for r in rows} == {"a": D(57_000), "b": D(43_000)}
    assert rows[0].gap == D(40_000)


def test_fairness_flags_outliers() -> None:
    rows = fairness({"a": D(100), "b": D(100), "c": D(150), "d": D(50)},
                    {"a": D(1000), "b": D(1000), "c": D(1000), "e": D(1)}, D("0.2"))
    by = {r.rep: r for r in rows}
    assert by["a"].ratio == D("0.1") and by["a"].vs_median == D(0) and not by["a"].outlier
    assert by["c"].vs_median == D("0.5") and by["c"].outlier
    assert by["d"].ratio is None and by["d"].outlier  # quota without potential


def test_prorate_mid_quarter_move() -> None:
    q1 = CALENDAR.parse("2017-Q1")  # 90 days
    segments = [Segment(date(2017, 1, 1), date(2017, 2, 14), D(90_000), "East"),  # 45 days
                Segment(date(2017, 2, 15), date(2017, 3, 31), D(60_000), "West")]  # 45 days
    assert [q for _, q in prorate_by_days(q1, segments)] == [D(45_000), D(30_000)]


def test_prorate_keeps_the_sum_of_rounded_parts() -> None:
    q1 = CALENDAR.parse("2017-Q1")
    # 100 x 30/90 three times: 33.333.. each, total exactly 100 -> 33.34 + 33.33 + 33.33
    segments = [Segment(date(2017, 1, 1), date(2017, 1, 30), D(100)),
                Segment(date(2017, 1, 31), date(2017, 3, 1), D(100)),
                Segment(date(2017, 3, 2), date(2017, 3, 31), D(100))]
    parts = [q for _, q in prorate_by_days(q1, segments)]
    assert parts == [D("33.34"), D("33.33"), D("33.33")]


def test_prorate_starts_late_and_by_weights() -> None:
    months = [(CALENDAR.parse(f"2017-0{m}"), w) for m, w in ((1, D(30)), (2, D(30)), (3, D(40)))]
    # starts 1 March: only March's 40% of 120,000
    result = prorate_by_weights(months, [Segment(date(2017, 3, 1), date(2017, 3, 31), D(120_000))])
    assert result[0][1] == D(48_000)
    # half of February (14 of 28 days) + March = 15% + 40% = 55%
    result = prorate_by_weights(months, [Segment(date(2017, 2, 15), date(2017, 3, 31), D(120_000))])
    assert result[0][1] == D(66_000)


def test_bad_segments() -> None:
    q1 = CALENDAR.parse("2017-Q1")
    with pytest.raises(AttainError) as caught:
        prorate_by_days(q1, [Segment(date(2016, 12, 1), date(2017, 1, 31), D(1))])
    assert caught.value.code == "PLNG004"
    with pytest.raises(AttainError):
        prorate_by_days(q1, [Segment(date(2017, 1, 1), date(2017, 1, 31), D(1)),
                             Segment(date(2017, 1, 31), date(2017, 2, 1), D(1))])


def test_floor_and_ceiling_together() -> None:
    # 100 by 1:1:10, floor 30 on a, ceiling 50 on c: λ = 20 -> a 30 (floor), b 20, c 50 (ceiling)
    rows = allocate(D(100), {"a": D(1), "b": D(1), "c": D(10)}, D(1), floors={"a": D(30)},
                    ceilings={"c": D(50)})
    assert quotas(rows) == {"a": D(30), "b": D(20), "c": D(50)}
    assert [r.bound for r in rows] == ["floor", "", "ceiling"]


@given(
    units=st.integers(0, 2000),
    reps=st.lists(st.tuples(st.integers(0, 50), st.integers(0, 100), st.integers(0, 400)), min_size=1,
                  max_size=8),
)
def test_bounds_always_hold(units: int, reps: list[tuple[int, int, int]]) -> None:
    weights = {f"r{i}": D(w) for i, (w, _, _) in enumerate(reps)}
    floors = {f"r{i}": D(lo) for i, (_, lo, _) in enumerate(reps)}
    ceilings = {f"r{i}": D(lo + extra) for i, (_, lo, extra) in enumerate(reps)}
    try:
        rows = allocate(D(units), weights, D(1), floors, ceilings)
    except AttainError as exc:
        assert exc.code in ("PLNG002", "PLNG003")
        return
    assert sum(r.quota for r in rows) == units
    for row in rows:
        assert floors[row.assignee] <= row.quota <= ceilings[row.assignee]
