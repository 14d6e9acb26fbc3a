"""The oracle's tier curve F(x) on hand-checked points (docs/calculation.md, "Tier curve")."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from attain.plans.schema import Boundary, Rating, Tier
from tests.reference.tiers import Band, bands, curve


def table(*rows: tuple[str, str | None, str], rating: Rating = Rating.MARGINAL) -> list[Band]:
    tiers = [Tier.model_validate({"from": lo, "to": hi, "rate": rate}) for lo, hi, rate in rows]
    return bands(tiers, rating)


STEPS = [("0", "10000", "0.01"), ("10000", "50000", "0.02"), ("50000", "100000", "0.03"),
         ("100000", None, "0.04")]


@pytest.mark.parametrize(("x", "marginal", "retroactive"), [
    ("5000", "50", "50"), ("15000", "200", "300"), ("60000", "1200", "1800"), ("0", "0", "0"),
])
def test_p3_flat_and_step(x: str, marginal: str, retroactive: str) -> None:
    assert curve(table(*STEPS), Boundary.HIGHER, D(x)) == D(marginal)
    assert curve(table(*STEPS, rating=Rating.RETROACTIVE), Boundary.HIGHER, D(x)) == D(retroactive)


def test_a_value_on_a_bound_goes_up_or_stays_down() -> None:
    flat = table(*STEPS, rating=Rating.RETROACTIVE)
    assert curve(flat, Boundary.HIGHER, D(50000)) == D(1500)
    assert curve(flat, Boundary.LOWER, D(50000)) == D(1000)


def test_negative_values_pay_the_first_rate() -> None:
    assert curve(table(*STEPS), Boundary.HIGHER, D(-2000)) == D(-20)


def test_below_the_first_bound_pays_nothing_and_above_a_closed_last_tier_it_continues() -> None:
    threshold = table(("1000", "3000", "0.1"), ("3000", "5000", "0.2"))
    assert curve(threshold, Boundary.HIGHER, D(999)) == 0
    assert curve(threshold, Boundary.HIGHER, D(2000)) == D(100)
    assert curve(threshold, Boundary.HIGHER, D(6000)) == D(200) + D(600)


def test_interpolated_amounts_are_paid_pro_rata_and_an_open_last_tier_pays_its_rate() -> None:
    tiers = [Tier.model_validate(t) for t in (
        {"from": 0, "to": 50000, "amount": 1000}, {"from": 50000, "to": 100000, "amount": 3000},
        {"from": 100000, "rate": "0.05"})]
    amounts = bands(tiers, Rating.INTERPOLATED)
    assert curve(amounts, Boundary.HIGHER, D(40000)) == D(800)
    assert curve(amounts, Boundary.HIGHER, D(70000)) == D(2200)
    assert curve(amounts, Boundary.HIGHER, D(120000)) == D(5000)


def test_attainment_bounds_scale_by_the_quota() -> None:
    rows = ({"from": 0, "to": 1, "rate": "0.05"}, {"from": 1, "rate": "0.1"})
    tiers = [Tier.model_validate(t) for t in rows]
    assert curve(bands(tiers, Rating.MARGINAL, scale=D(100000)), Boundary.HIGHER, D(120000)) == D(7000)
