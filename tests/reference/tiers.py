"""Tier curves F(x) exactly as docs/calculation.md ("Tier curve") defines them, one tier at a time.

A tier table is a list of tiers [lo, hi) with a rate (or, for interpolated tiers, an amount paid
for the whole tier). F(x) is the amount earned for a basis value x.

Readings chosen where the contract is silent (also listed in the oracle's README section of the
report):
- F(lo) of the FIRST tier is 0 ("the previous tier's formula" does not exist), so a marginal table
  starting at 50,000 pays rate x (x - 50,000) above 50,000.
- A value above the last tier's ``to`` stays in the last tier (its formula is extended).
- Negative x pays the first tier's slope times x; for an interpolated first tier the slope is
  amount / (hi - lo).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from attain.plans.schema import Boundary, Rating, Tier

ZERO = Decimal(0)


@dataclass(frozen=True)
class Band:
    """One tier with its bounds already in basis units (multiplied by the quota if needed)."""

    lo: Decimal
    hi: Decimal | None
    rate: Decimal | None
    amount: Decimal | None
    rating: Rating


def bands(tiers: list[Tier], default_rating: Rating, scale: Decimal = Decimal(1)) -> list[Band]:
    """The tiers of a table with bounds multiplied by ``scale`` (the quota for attainment tables)."""
    return [
        Band(
            lo=tier.from_ * scale,
            hi=None if tier.to is None else tier.to * scale,
            rate=tier.rate,
            amount=tier.amount,
            rating=tier.rating or default_rating,
        )
        for tier in tiers
    ]


def tier_reached(table: list[Band], boundary: Boundary, x: Decimal) -> int | None:
    """Index of the tier x falls in, or None when x is below the first tier.

    ``higher``: a value equal to a bound belongs to the upper tier (tiers are [lo, hi)).
    ``lower``: it stays in the lower tier (tiers are (lo, hi]).
    """
    reached = None
    for index, band in enumerate(table):
        if x > band.lo or (x == band.lo and boundary is Boundary.HIGHER):
            reached = index
    return reached


def slope(band: Band) -> Decimal:
    """The rate of a tier; for an interpolated tier with an amount, amount per unit of the tier."""
    if band.rate is not None:
        return band.rate
    if band.amount is not None and band.hi is not None and band.hi != band.lo:
        return band.amount / (band.hi - band.lo)
    raise ValueError(f"tier from {band.lo} has neither a rate nor an amount over a closed range")


def tier_formula(table: list[Band], index: int, x: Decimal) -> Decimal:
    """Tier ``index``'s formula evaluated at x (x need not lie inside the tier)."""
    band = table[index]
    if band.rating is Rating.RETROACTIVE:
        return slope(band) * x
    start = ZERO if index == 0 else tier_formula(table, index - 1, band.lo)
    if band.rating is Rating.MARGINAL:
        return start + slope(band) * (x - band.lo)
    # interpolated: the tier's amount pro rata inside the tier; an open last tier pays its rate
    if band.hi is None or band.amount is None:
        return start + slope(band) * (x - band.lo)
    return start + band.amount * (x - band.lo) / (band.hi - band.lo)


def curve(table: list[Band], boundary: Boundary, x: Decimal) -> Decimal:
    """F(x): the amount a tier table gives for the basis value x."""
    if x < 0:
        return slope(table[0]) * x
    index = tier_reached(table, boundary, x)
    if index is None:
        return ZERO
    return tier_formula(table, index, x)
