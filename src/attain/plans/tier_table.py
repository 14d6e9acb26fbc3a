"""Checks of a tier table with its lines: bounds ascend and touch, only the last is open, each pays."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from attain.core.errors import Issue, Severity, Source, register
from attain.plans.schema import Basis, Rating, Tier

BOUNDS_DESCEND = register(
    "PLAN014", "A tier upper bound is below the previous bound (or not above its own start)"
)
NOT_CONTIGUOUS = register("PLAN015", "A tier does not start where the previous tier ends (gap or overlap)")
NO_RATE = register("PLAN016", "A tier has no `rate` (no `amount` for a bounded interpolated tier)")
OPEN_NOT_LAST = register("PLAN017", "Only the last tier may be open-ended (no `to`)")
IGNORED = register("PLAN035", "A field is given that this kind of rule or tier does not use (warning)")

PathKey = tuple[str | int, ...]
Where = Callable[[PathKey], Source]


def bound_text(value: Decimal, basis: Basis) -> str:
    """A bound as the analyst wrote it: 60% for attainment, 50,000 for amounts."""
    if basis is Basis.ATTAINMENT:
        percent = (value * 100).normalize()
        return f"{percent:f}%"
    return f"{value.normalize():,f}"


def check_tier_table(
    tiers: Sequence[Tier], rating: Rating, basis: Basis, path: PathKey, where: Where
) -> list[Issue]:
    """Every problem of one tier table at ``path`` (e.g. components[2].tiers)."""
    issues: list[Issue] = []
    previous_to: Decimal | None = None
    for index, tier in enumerate(tiers):
        at: PathKey = (*path, index)
        issues += _bounds(tiers, index, tier, previous_to, basis, at, where)
        issues += _pays(tiers, index, tier, rating, at, where)
        previous_to = tier.to if tier.to is not None else previous_to
    return issues


def _bounds(
    tiers: Sequence[Tier],
    index: int,
    tier: Tier,
    previous_to: Decimal | None,
    basis: Basis,
    at: PathKey,
    where: Where,
) -> list[Issue]:
    found: list[Issue] = []
    n = index + 1
    if tier.to is None and n < len(tiers):
        found.append(
            Issue(
                OPEN_NOT_LAST,
                f"tier {n} has no upper bound (`to`) but is not the last tier: only "
                "the last tier may be open-ended",
                source=where(at),
                record=f"tier {n}",
            )
        )
    if tier.to is not None:
        if previous_to is not None and tier.to < previous_to:
            found.append(
                Issue(
                    BOUNDS_DESCEND,
                    f"tier upper bound {bound_text(tier.to, basis)} is below the "
                    f"previous bound {bound_text(previous_to, basis)}",
                    source=where((*at, "to")),
                    record=f"tier {n}",
                )
            )
        elif tier.to <= tier.from_:
            found.append(
                Issue(
                    BOUNDS_DESCEND,
                    f"tier {n} upper bound {bound_text(tier.to, basis)} is not above "
                    f"its lower bound {bound_text(tier.from_, basis)}",
                    source=where((*at, "to")),
                    record=f"tier {n}",
                )
            )
    if index > 0 and tiers[index - 1].to is not None and tier.from_ != tiers[index - 1].to:
        prev = tiers[index - 1].to
        assert prev is not None
        what = "leaving a gap" if tier.from_ > prev else "overlapping it"
        found.append(
            Issue(
                NOT_CONTIGUOUS,
                f"tier {n} starts at {bound_text(tier.from_, basis)} but the previous "
                f"tier ends at {bound_text(prev, basis)}, {what}: tiers must be contiguous",
                source=where((*at, "from")),
                record=f"tier {n}",
            )
        )
    return found


def _pays(
    tiers: Sequence[Tier], index: int, tier: Tier, rating: Rating, at: PathKey, where: Where
) -> list[Issue]:
    n = index + 1
    effective = tier.rating or rating
    open_last = tier.to is None and n == len(tiers)
    if effective is Rating.INTERPOLATED and not open_last:
        if tier.amount is None:
            return [
                Issue(
                    NO_RATE,
                    f"interpolated tier {n} needs an `amount` (paid pro rata across the tier)",
                    source=where(at),
                    record=f"tier {n}",
                )
            ]
        return []
    if tier.rate is None:
        why = (
            " (an open last tier of an interpolated table pays a rate)"
            if effective is Rating.INTERPOLATED
            else ""
        )
        return [
            Issue(
                NO_RATE,
                f"{effective.value} tier {n} needs a `rate`{why}",
                source=where(at),
                record=f"tier {n}",
            )
        ]
    if tier.amount is not None:
        return [
            Issue(
                IGNORED,
                f"tier {n} is {effective.value}: its `amount` is not used (only interpolated "
                "tiers pay an amount)",
                severity=Severity.WARNING,
                source=where((*at, "amount")),
                record=f"tier {n}",
            )
        ]
    return []
