"""Capacity planning: how many reps a target needs, and a month-by-month hiring plan.

The model is in expected values, exact (``Fraction``), month by month over a horizon:

- a rep in their k-th month in seat sells ``productivity x ramp(k)``, ramp(k) = k/N until month N,
  then 1 (the same ramp as bottom-up quotas, ``attain.planning.quotas.ramp_factor``);
- each month a share ``attrition`` of every cohort leaves (at the end of the month);
- leavers are backfilled: at the start of each month the plan hires the whole number of reps that
  brings backfills up to the leavers so far (rounded half up), and backfills ramp like new hires;
- ``growth_hires`` new reps start in ``hire_month`` (default the first month).

``hiring_plan`` finds the fewest growth hires whose expected output reaches the target.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

from attain.core.errors import AttainError
from attain.planning.codes import BAD_CAPACITY
from attain.planning.quotas import ramp_factor

MAX_HIRES = 100_000


@dataclass(frozen=True)
class Assumptions:
    """Productivity of a ramped rep per month, ramp length, monthly attrition, horizon, hiring month."""

    productivity: Decimal
    ramp_months: int
    attrition: Decimal = Decimal(0)
    horizon_months: int = 12
    hire_month: int = 1

    def check(self) -> None:
        if self.productivity <= 0 or self.ramp_months < 0 or not Decimal(0) <= self.attrition < 1 \
                or self.horizon_months < 1 or not 1 <= self.hire_month <= self.horizon_months:
            raise AttainError("productivity must be > 0, ramp ≥ 0 months, attrition in 0..1, horizon ≥ 1 "
                              "month and the hiring month inside it", code=BAD_CAPACITY)


@dataclass(frozen=True)
class Month:
    """One month of a hiring plan (expected values; hires are whole reps)."""

    month: int
    hires: int
    backfills: int
    headcount: Decimal  # expected reps in seat during the month
    ramped_equivalent: Decimal  # Σ reps x ramp factor
    leavers: Decimal
    output: Decimal
    cumulative: Decimal


@dataclass(frozen=True)
class HiringPlan:
    """The growth hires needed, and the month-by-month plan that reaches (or misses) the target."""

    target: Decimal
    growth_hires: int
    months: list[Month]

    @property
    def output(self) -> Decimal:
        return self.months[-1].cumulative if self.months else Decimal(0)

    @property
    def reaches_target(self) -> bool:
        return self.output >= self.target

    @property
    def total_hires(self) -> int:
        return sum(m.hires + m.backfills for m in self.months)


@dataclass
class _Cohort:
    size: Fraction
    tenure: int  # months in seat before the current month


def _money(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"),
                                                                              rounding=ROUND_HALF_EVEN)


def simulate(tenures: Sequence[int], growth_hires: int, assumptions: Assumptions) -> list[Month]:
    """Month-by-month expected output of today's reps (``tenures`` in months) plus ``growth_hires``."""
    assumptions.check()
    cohorts = [_Cohort(Fraction(1), t) for t in tenures]
    stay = 1 - Fraction(assumptions.attrition)
    productivity = Fraction(assumptions.productivity)
    left_so_far, backfilled = Fraction(0), 0
    months, cumulative = [], Fraction(0)
    for m in range(1, assumptions.horizon_months + 1):
        hires = growth_hires if m == assumptions.hire_month else 0
        backfills = math.floor(left_so_far + Fraction(1, 2)) - backfilled
        backfilled += backfills
        if hires + backfills:
            cohorts.append(_Cohort(Fraction(hires + backfills), 0))
        headcount = sum((c.size for c in cohorts), Fraction(0))
        ramped = sum((c.size * ramp_factor(c.tenure + 1, assumptions.ramp_months) for c in cohorts),
                     Fraction(0))
        output = ramped * productivity
        cumulative += output
        leavers = headcount * (1 - stay)
        left_so_far += leavers
        for cohort in cohorts:
            cohort.size *= stay
            cohort.tenure += 1
        months.append(Month(m, hires, backfills, _money(headcount), _money(ramped), _money(leavers),
                            _money(output), _money(cumulative)))
    return months


def hiring_plan(target: Decimal, tenures: Sequence[int], assumptions: Assumptions) -> HiringPlan:
    """The fewest growth hires (in ``hire_month``) whose expected output reaches ``target``."""
    if target < 0:
        raise AttainError(f"target must be ≥ 0, got {target}", code=BAD_CAPACITY)
    low, high = 0, 1
    while simulate(tenures, high, assumptions)[-1].cumulative < target:
        low, high = high, high * 2
        if high > MAX_HIRES:
            raise AttainError(f"more than {MAX_HIRES:,} hires would be needed: the target cannot be "
                              "reached in the horizon (hiring too late or ramp too long?)", code=BAD_CAPACITY)
    if simulate(tenures, 0, assumptions)[-1].cumulative >= target:
        high = 0
    while high - low > 1:
        mid = (low + high) // 2
        if simulate(tenures, mid, assumptions)[-1].cumulative >= target:
            high = mid
        else:
            low = mid
    return HiringPlan(target, high, simulate(tenures, high, assumptions))


def headcount_needed(target: Decimal, assumptions: Assumptions) -> int:
    """Ramped reps for the whole horizon, without ramp or attrition: ⌈target ÷ (productivity x months)⌉."""
    assumptions.check()
    return math.ceil(Fraction(target) / (Fraction(assumptions.productivity) * assumptions.horizon_months))
