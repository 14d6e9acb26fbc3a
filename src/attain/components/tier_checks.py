"""Checks of a tier table that the plan schema cannot express (contiguity, rates, amounts)."""

from __future__ import annotations

from collections.abc import Sequence

from attain.components import codes
from attain.core.errors import Issue
from attain.plans.schema import Rating, Tier


def check_tiers(tiers: Sequence[Tier], rating: Rating, where: str) -> list[Issue]:
    """Problems of one tier table; ``where`` names it in messages ('component x tiers')."""
    issues: list[Issue] = []
    if tiers and tiers[0].from_ < 0:
        issues.append(Issue(codes.TIER_NEGATIVE_START, f"{where}: the first tier starts at "
                            f"{tiers[0].from_}, below zero", record=where))
    for n, tier in enumerate(tiers, start=1):
        issues += _check_bounds(tiers, n, tier, where)
        issues += _check_pay(tiers, n, tier, rating, where)
    return issues


def _check_bounds(tiers: Sequence[Tier], n: int, tier: Tier, where: str) -> list[Issue]:
    found: list[Issue] = []
    last = n == len(tiers)
    if tier.to is None and not last:
        found.append(Issue(codes.TIER_OPEN_NOT_LAST, f"{where}: tier {n} has no `to` but is not the "
                           "last tier", record=where))
    if tier.to is not None and tier.to <= tier.from_:
        found.append(Issue(codes.TIER_EMPTY, f"{where}: tier {n} goes from {tier.from_} to {tier.to}; "
                           "`to` must be above `from`", record=where))
    if not last and tier.to is not None and tiers[n].from_ != tier.to:
        found.append(Issue(codes.TIER_GAP, f"{where}: tier {n + 1} starts at {tiers[n].from_} but tier {n} "
                           f"ends at {tier.to}", record=where))
    return found


def _check_pay(tiers: Sequence[Tier], n: int, tier: Tier, rating: Rating, where: str) -> list[Issue]:
    effective = tier.rating or rating
    if effective is Rating.INTERPOLATED:
        open_last = tier.to is None and n == len(tiers)
        if (tier.rate is None) if open_last else (tier.amount is None):
            need = "a `rate` (it is open)" if open_last else "an `amount`"
            return [Issue(codes.TIER_INTERPOLATED_NO_AMOUNT,
                          f"{where}: interpolated tier {n} needs {need}", record=where)]
        return []
    if tier.rate is None:
        return [Issue(codes.TIER_NO_RATE, f"{where}: {effective.value} tier {n} has no `rate`", record=where)]
    return []
