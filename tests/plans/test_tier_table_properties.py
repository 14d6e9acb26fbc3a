"""Property: a contiguous ascending tier table is clean; breaking it in any one way is reported."""

from decimal import Decimal
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from attain.core.errors import Source
from attain.plans.schema import Basis, Rating, Tier
from attain.plans.tier_table import check_tier_table

bounds = st.lists(st.integers(1, 10_000), min_size=1, max_size=6, unique=True).map(sorted)


def _table(cuts: list[int], rating: Rating = Rating.MARGINAL) -> list[Tier]:
    edges = [0, *cuts]
    tiers = [Tier(from_=Decimal(lo), to=Decimal(hi), rate=Decimal("0.01")) for lo, hi in pairwise(edges)]
    return [*tiers, Tier(from_=Decimal(edges[-1]), rate=Decimal("0.02"))]


def _codes(tiers: list[Tier]) -> list[str]:
    issues = check_tier_table(tiers, Rating.MARGINAL, Basis.AMOUNT, ("tiers",), lambda path: Source("p", 1))
    return [issue.code for issue in issues]


@given(bounds)
@settings(max_examples=100, deadline=None)
def test_contiguous_ascending_tables_are_clean(cuts):
    assert _codes(_table(cuts)) == []


@given(bounds.filter(lambda c: len(c) >= 2), st.data())
@settings(max_examples=100, deadline=None)
def test_a_descending_bound_is_plan014(cuts, data):
    tiers = _table(cuts)
    i = data.draw(st.integers(0, len(cuts) - 2))
    lower, upper = tiers[i], tiers[i + 1]
    tiers[i] = lower.model_copy(update={"to": upper.to})
    tiers[i + 1] = upper.model_copy(update={"from_": upper.to, "to": lower.to})
    assert "PLAN014" in _codes(tiers)


@given(bounds, st.data())
@settings(max_examples=100, deadline=None)
def test_a_gap_is_plan015_and_an_open_middle_tier_is_plan017(cuts, data):
    tiers = _table(cuts)
    i = data.draw(st.integers(1, len(tiers) - 1))
    gapped = [*tiers[:i], tiers[i].model_copy(update={"from_": tiers[i].from_ + 1}), *tiers[i + 1 :]]
    assert "PLAN015" in _codes(gapped)
    opened = [tiers[0].model_copy(update={"to": None}), *tiers[1:]]
    assert "PLAN017" in _codes(opened)


@given(bounds, st.data())
@settings(max_examples=100, deadline=None)
def test_a_tier_without_rate_is_plan016(cuts, data):
    tiers = _table(cuts)
    i = data.draw(st.integers(0, len(tiers) - 1))
    tiers[i] = tiers[i].model_copy(update={"rate": None})
    assert _codes(tiers) == ["PLAN016"]
