"""The tier curve F(x): the worked examples in Python, and SQL == Python for random tables."""

from decimal import Decimal

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attain.components.tiers import TierCurve, curve_sql, curve_value, distance_to_next_tier
from attain.plans.dialect import DUCKDB
from attain.plans.schema import Boundary, Rating, Tier

D = Decimal
MARGINAL, RETRO, INTERP = Rating.MARGINAL, Rating.RETROACTIVE, Rating.INTERPOLATED


def tier(lo, hi, rate=None, amount=None, rating=None) -> Tier:
    return Tier.model_validate({"from": lo, "to": hi, "rate": rate, "amount": amount, "rating": rating})


# P1/P2: Oracle step-rate and interpolated tables
STEP = [tier(0, 1000, "1%"), tier(1000, 3000, "2%"), tier(3000, 8000, "3%"), tier(8000, 20000, "5%")]
AMOUNTS = [tier(0, 1000, amount=10), tier(1000, 3000, amount=40), tier(3000, 8000, amount=100),
           tier(8000, 20000, amount=2000)]
# P3: flat (retroactive) vs step
P3 = [tier(0, 10000, "1%"), tier(10000, 50000, "2%"), tier(50000, 100000, "3%"), tier(100000, None, "4%")]
P3_BOUNDARY = [tier(0, 25000, "1%"), tier(25000, 50000, "2%"), tier(50000, 75000, "3%"),
               tier(75000, None, "4%")]


def sql_value(tiers, x, rating=MARGINAL, boundary=Boundary.HIGHER, quota=None) -> Decimal:
    q = None if quota is None else DUCKDB.decimal(quota)
    sql = curve_sql(tiers, DUCKDB.decimal(x), DUCKDB, rating, boundary, q)
    return duckdb.sql("SELECT " + sql).fetchone()[0]


@pytest.mark.parametrize(("amount", "step", "interpolated"), [
    (200, 2, 2), (300, 3, 3), (1500, 20, 20), (1200, 14, 14), (2000, 30, 30), (4500, 95, 80),
])
def test_p1_p2_each_deal_from_zero(amount, step, interpolated):
    assert curve_value(STEP, D(amount)) == step
    assert curve_value(AMOUNTS, D(amount), INTERP) == interpolated
    assert sql_value(STEP, D(amount)) == step
    assert sql_value(AMOUNTS, D(amount), INTERP) == interpolated


@pytest.mark.parametrize(("x", "flat", "step"), [(5000, 50, 50), (15000, 300, 200), (60000, 1800, 1200)])
def test_p3_flat_vs_step(x, flat, step):
    assert curve_value(P3, D(x), RETRO) == flat == sql_value(P3, D(x), RETRO)
    assert curve_value(P3, D(x), MARGINAL) == step == sql_value(P3, D(x), MARGINAL)


def test_p3_boundary_rule_both_ways():
    # exactly 50,000 under flat rating: the higher tier (3%) by default, the lower (2%) when configured
    assert curve_value(P3_BOUNDARY, D(50000), RETRO, Boundary.HIGHER) == 1500
    assert curve_value(P3_BOUNDARY, D(50000), RETRO, Boundary.LOWER) == 1000
    assert sql_value(P3_BOUNDARY, D(50000), RETRO, Boundary.HIGHER) == 1500
    assert sql_value(P3_BOUNDARY, D(50000), RETRO, Boundary.LOWER) == 1000


def test_p5_retroactive_vs_marginal():
    table = [tier(0, 100000, "50%"), tier(100000, None, "60%")]
    assert curve_value(table, D(180000), RETRO) == 108000
    assert curve_value(table, D(180000), MARGINAL) == 98000


def test_hybrid_table_rates_each_tier_its_own_way():
    # 0-10k marginal 5%; 10k-20k retroactive 7% (the whole value); above 20k marginal 10%
    table = [tier(0, 10000, "5%"), tier(10000, 20000, "7%", rating="retroactive"), tier(20000, None, "10%")]
    assert curve_value(table, D(8000)) == 400
    assert curve_value(table, D(15000)) == 1050  # 7% of 15,000
    assert curve_value(table, D(25000)) == 1900  # F(20,000) = 7% × 20,000 = 1,400, + 10% × 5,000
    assert sql_value(table, D(25000)) == 1900
    mixed = [tier(0, 1000, amount=10, rating="interpolated"), tier(1000, None, "2%")]
    assert curve_value(mixed, D(1500)) == 20  # 10 for the first tier + 2% × 500


def test_below_first_tier_pays_nothing_and_negative_uses_first_rate():
    table = [tier(0, 1000, "1%"), tier(1000, None, "2%")]
    assert curve_value(table, D(-500)) == D(-5)
    assert curve_value(AMOUNTS, D(-500), INTERP) == D(-5)  # 10 per 1,000 -> 1%
    late_start = [tier(5000, None, "3%")]
    assert curve_value(late_start, D(4999), RETRO) == 0
    assert curve_value(late_start, D(5000), RETRO) == 150


def test_attainment_basis_scales_bounds_by_quota():
    # 0-100% of quota at 5%, above at 8%; quota 40,000; measure 50,000 -> 2,000 + 800
    table = [tier(0, 1, "5%"), tier(1, None, "8%")]
    assert curve_value(table, D(50000), quota=D(40000)) == 2800
    assert sql_value(table, D(50000), quota=D(40000)) == 2800


def test_interpolated_thirds_stay_exact_to_ten_places():
    table = [tier(0, 3, amount=1), tier(3, None, "1")]
    assert curve_value(table, D(1), INTERP) == D("0.3333333333") == sql_value(table, D(1), INTERP)


def test_distance_to_next_tier():
    assert distance_to_next_tier(STEP, D(2500)) == 500
    assert distance_to_next_tier(P3, D(150000)) is None
    assert distance_to_next_tier([tier(1000, None, "1%")], D(200)) == 800


def test_tier_without_rate_is_refused():
    with pytest.raises(ValueError, match="no rate"):
        TierCurve.of([tier(0, None)])


# -- SQL == Python on random tables ---------------------------------------------------------------

RATINGS = st.sampled_from([MARGINAL, RETRO, INTERP])


@st.composite
def tables(draw, fractions: bool = False):
    n = draw(st.integers(1, 5))
    width = st.decimals("0.0001", "3", places=4) if fractions else st.decimals("0.01", "50000", places=2)
    bounds = [D(0) if draw(st.booleans()) else draw(width)]
    for _ in range(n):
        bounds.append(bounds[-1] + draw(width))
    open_last = draw(st.booleans())
    rows = []
    for i in range(n):
        rating = draw(RATINGS)
        last = i == n - 1
        hi = None if (last and open_last) else bounds[i + 1]
        rate = draw(st.decimals("0", "1.5", places=4))
        amount = draw(st.decimals("0", "10000", places=2)) if rating is INTERP and hi is not None else None
        rows.append(tier(bounds[i], hi, rate, amount, rating.value))
    return rows


@given(tables(), st.decimals("-100000", "300000", places=4), st.sampled_from(list(Boundary)))
@settings(max_examples=150, deadline=None)
def test_sql_curve_equals_python_curve_on_amounts(table, x, boundary):
    assert sql_value(table, x, MARGINAL, boundary) == curve_value(table, x, MARGINAL, boundary)


@given(tables(fractions=True), st.decimals("-100000", "300000", places=4),
       st.decimals("0.01", "200000", places=2), st.sampled_from(list(Boundary)))
@settings(max_examples=150, deadline=None)
def test_sql_curve_equals_python_curve_on_attainment_bounds(table, x, quota, boundary):
    assert sql_value(table, x, MARGINAL, boundary, quota) == curve_value(table, x, MARGINAL, boundary, quota)


@given(tables())
@settings(max_examples=60, deadline=None)
def test_marginal_and_interpolated_curves_are_continuous_at_every_bound(table):
    # without retroactive tiers the boundary rule cannot change what a bound pays
    smooth = [t if t.rating != "retroactive" else tier(t.from_, t.to, t.rate) for t in table]
    for t in smooth:
        at = t.from_
        higher = curve_value(smooth, at, MARGINAL, Boundary.HIGHER)
        assert higher == curve_value(smooth, at, MARGINAL, Boundary.LOWER)
