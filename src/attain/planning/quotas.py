"""Quota setting: top-down allocation, bottom-up capacity, blending, fairness and proration.

All arithmetic is exact. Shares are computed as ``Fraction`` and only whole rounding units are
handed out, so an allocation sums to the target to the cent, always:

1. *Clamping*: each rep's ideal share is ``clamp(λ x weight, floor, ceiling)`` with the one λ that
   makes the shares add up to the target (found exactly): reps held at a bound take it, the others
   share the rest in proportion to their weights.
2. *Largest remainder*: in rounding units, every free rep gets the whole part of its share and the
   units left over go to the largest fractional parts (ties: the rep id, ascending).

Bottom-up quotas are capacity x ramp x productivity; ``blend`` mixes the two and re-allocates the
target so it still sums exactly; ``fairness`` flags reps whose quota ÷ potential is an outlier.
Proration splits a quota over mid-period starts, leaves and territory moves by days or weights.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from attain.core.errors import AttainError
from attain.core.periods import Period
from attain.planning.codes import BAD_PRORATION, BAD_TARGET, INFEASIBLE_BOUNDS, NO_WEIGHT

Weights = Mapping[str, Decimal]


@dataclass(frozen=True)
class Allocation:
    """One rep's (or territory's) share of a target, and why."""

    assignee: str
    weight: Decimal
    quota: Decimal
    bound: str = ""  # "floor" or "ceiling" when clamped


def _units(amount: Decimal, unit: Decimal, what: str) -> int:
    if unit <= 0:
        raise AttainError(f"rounding unit must be positive, got {unit}", code=BAD_TARGET)
    count = amount / unit
    if amount < 0 or count != count.to_integral_value():
        raise AttainError(f"{what} {amount} is not a non-negative multiple of the rounding unit {unit}",
                          code=BAD_TARGET)
    return int(count)


def _check_weights(weights: Weights) -> None:
    if not weights:
        raise AttainError("no reps to allocate the target to", code=NO_WEIGHT)
    negative = sorted(k for k, w in weights.items() if w < 0)
    if negative:
        raise AttainError(f"negative weight for {', '.join(negative)}", code=NO_WEIGHT)


def _bounds_in_units(names: Sequence[str], unit: Decimal, floors: Weights, ceilings: Weights,
                     total: int) -> tuple[dict[str, int], dict[str, int]]:
    low = {n: math.ceil(Fraction(floors.get(n, Decimal(0))) / Fraction(unit)) for n in names}
    high = {n: (math.floor(Fraction(ceilings[n]) / Fraction(unit)) if n in ceilings else total)
            for n in names}
    bad = sorted(n for n in names if low[n] > high[n])
    if bad:
        raise AttainError(f"floor above ceiling for {', '.join(bad)}", code=INFEASIBLE_BOUNDS)
    if sum(low.values()) > total or sum(high.values()) < total:
        raise AttainError(
            f"floors add to {sum(low.values()) * unit}, ceilings to {sum(high.values()) * unit}: "
            f"the target {total * unit} is outside that range", code=INFEASIBLE_BOUNDS)
    return low, high


def _clamp(total: int, weights: Weights, low: dict[str, int], high: dict[str, int]
           ) -> tuple[dict[str, Fraction], dict[str, str]]:
    """Ideal (fractional) shares in units: ``clamp(λ x weight, floor, ceiling)`` summing to ``total``.

    ``λ`` (units per unit of weight) is found exactly: the sum is piecewise linear and increasing
    in λ, with a break wherever a rep reaches its floor or ceiling. Reps under their floor at that
    λ are held at the floor, reps over their ceiling at the ceiling, the rest share in proportion.
    """
    w = {n: Fraction(weights[n]) for n in weights}

    def filled(lam: Fraction) -> Fraction:
        return sum((min(Fraction(high[n]), max(Fraction(low[n]), lam * w[n])) for n in w), Fraction(0))

    most = sum((Fraction(high[n] if w[n] > 0 else low[n]) for n in w), Fraction(0))
    if total > most:
        zero = sorted(n for n in w if w[n] == 0)
        raise AttainError(f"weights are zero for {', '.join(zero) or 'every rep'}: the target cannot be "
                          "shared within the ceilings", code=NO_WEIGHT)
    breaks = sorted({Fraction(0)} | {Fraction(b) / w[n] for n in w if w[n] > 0 for b in (low[n], high[n])})
    lam = Fraction(0)
    for before, after in itertools.pairwise(breaks):
        if filled(after) >= total:
            slope = sum((w[n] for n in w if w[n] > 0 and low[n] <= before * w[n] and after * w[n] <= high[n]),
                        Fraction(0))
            lam = before + (total - filled(before)) / slope if slope else before
            break
    shares = {n: min(Fraction(high[n]), max(Fraction(low[n]), lam * w[n])) for n in w}
    bound = {n: "floor" for n in w if lam * w[n] < low[n]}
    bound.update({n: "ceiling" for n in w if lam * w[n] > high[n]})
    return shares, bound


def _largest_remainder(shares: dict[str, Fraction], total: int) -> dict[str, int]:
    whole = {n: math.floor(s) for n, s in shares.items()}
    left = total - sum(whole.values())
    order = sorted(shares, key=lambda n: (-(shares[n] - whole[n]), n))
    for name in order[:left]:
        whole[name] += 1
    return whole


def allocate(target: Decimal, weights: Weights, unit: Decimal = Decimal("0.01"),
             floors: Weights | None = None, ceilings: Weights | None = None) -> list[Allocation]:
    """Share ``target`` by ``weights`` in whole ``unit``s, within floors/ceilings, summing exactly."""
    _check_weights(weights)
    total = _units(target, unit, "target")
    names = sorted(weights)
    low, high = _bounds_in_units(names, unit, floors or {}, ceilings or {}, total)
    shares, bound = _clamp(total, {n: weights[n] for n in names}, low, high)
    units = _largest_remainder(shares, total)
    return [Allocation(n, weights[n], units[n] * unit, bound.get(n, "")) for n in names]


def shares_of(basis: Weights) -> dict[str, Fraction]:
    """A basis (history, potential, account counts...) as shares that add to 1."""
    _check_weights(basis)
    total = sum((Fraction(v) for v in basis.values()), Fraction(0))
    if total == 0:
        raise AttainError("a weight basis adds to zero", code=NO_WEIGHT)
    return {k: Fraction(v) / total for k, v in basis.items()}


def mix_weights(bases: Mapping[str, Weights], mix: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Weights from several bases: each normalized to shares, then mixed (e.g. 60% history, 40% potential).

    A rep missing from a basis has weight zero there. The result is exact to 20 places.
    """
    unknown = sorted(set(mix) - set(bases))
    if unknown:
        raise AttainError(f"no weight basis named {', '.join(unknown)}", code=NO_WEIGHT)
    reps = sorted({rep for name in mix for rep in bases[name]})
    result = {rep: Fraction(0) for rep in reps}
    for name, part in mix.items():
        for rep, share in shares_of(bases[name]).items():
            result[rep] += Fraction(part) * share
    return {rep: _decimal(value, 20) for rep, value in result.items()}


def _decimal(value: Fraction, places: int) -> Decimal:
    scaled = value * 10**places
    return Decimal(round(scaled)).scaleb(-places)


# -- bottom-up --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepCapacity:
    """A rep for bottom-up quotas: months already in seat at the start, months in seat in the period."""

    rep: str
    tenure_months: int
    months_in_period: int


def ramp_factor(tenure_month: int, ramp_months: int) -> Fraction:
    """Productivity of a rep in their ``tenure_month``-th month (1-based): k/N until N, then 1."""
    if ramp_months <= 0 or tenure_month >= ramp_months:
        return Fraction(1)
    return Fraction(tenure_month, ramp_months)


def bottom_up(reps: Sequence[RepCapacity], productivity: Decimal, ramp_months: int,
              attrition: Decimal = Decimal(0)) -> dict[str, Decimal]:
    """Each rep's capacity: Σ over months in seat of productivity x ramp x chance of still being there.

    ``attrition`` is the monthly chance of leaving; month m of the period (1-based) counts with
    weight (1 - attrition)^(m-1). Results are exact to 10 places (the calculation scale).
    """
    if productivity < 0 or not Decimal(0) <= attrition < 1 or ramp_months < 0:
        raise AttainError("productivity, ramp or attrition out of range", code=BAD_TARGET)
    stay = 1 - Fraction(attrition)
    result = {}
    for rep in reps:
        months = range(1, rep.months_in_period + 1)
        factor = sum((ramp_factor(rep.tenure_months + m, ramp_months) * stay ** (m - 1) for m in months),
                     Fraction(0))
        result[rep.rep] = _decimal(factor * Fraction(productivity), 10)
    return result


@dataclass(frozen=True)
class QuotaComparison:
    """Top-down, bottom-up and blended quota of one rep."""

    rep: str
    top_down: Decimal
    bottom_up: Decimal
    blended: Decimal

    @property
    def gap(self) -> Decimal:
        """Top-down minus bottom-up: positive when the target asks more than capacity gives."""
        return self.top_down - self.bottom_up


def blend(target: Decimal, top_down: Weights, capacity: Weights, top_down_share: Decimal,
          unit: Decimal = Decimal("0.01")) -> list[QuotaComparison]:
    """Mix top-down quotas with bottom-up capacity, then re-allocate ``target`` exactly by the mix."""
    if not Decimal(0) <= top_down_share <= 1:
        raise AttainError(f"top-down share must be in 0..1, got {top_down_share}", code=BAD_TARGET)
    reps = sorted(set(top_down) | set(capacity))
    mixed = {r: top_down_share * top_down.get(r, Decimal(0))
             + (1 - top_down_share) * capacity.get(r, Decimal(0)) for r in reps}
    blended = {a.assignee: a.quota for a in allocate(target, mixed, unit)}
    return [QuotaComparison(r, top_down.get(r, Decimal(0)), capacity.get(r, Decimal(0)), blended[r])
            for r in reps]


# -- fairness ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FairnessRow:
    """Quota ÷ potential of a rep against the team median; ``outlier`` when too far from it."""

    rep: str
    quota: Decimal
    potential: Decimal
    ratio: Decimal | None
    vs_median: Decimal | None
    outlier: bool


def _median(values: list[Fraction]) -> Fraction:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def fairness(quotas: Weights, potential: Weights, tolerance: Decimal = Decimal("0.20")) -> list[FairnessRow]:
    """Flag reps whose quota ÷ potential is more than ``tolerance`` away from the median ratio.

    ``vs_median`` is ratio ÷ median - 1 (0.25 = asked 25% more per unit of potential than the median
    rep). A rep with a quota and no potential is always an outlier.
    """
    ratios = {r: Fraction(q) / Fraction(potential[r]) for r, q in quotas.items()
              if potential.get(r, Decimal(0)) > 0}
    median = _median(list(ratios.values())) if ratios else Fraction(0)
    rows = []
    for rep in sorted(quotas):
        if rep not in ratios:
            rows.append(FairnessRow(rep, quotas[rep], potential.get(rep, Decimal(0)), None, None,
                                    quotas[rep] > 0))
            continue
        spread = ratios[rep] / median - 1 if median else Fraction(0)
        rows.append(FairnessRow(rep, quotas[rep], potential[rep], _decimal(ratios[rep], 6),
                                _decimal(spread, 6), abs(spread) > Fraction(tolerance)))
    return rows


# -- proration --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """Part of a period a rep spends in one seat (territory/role) with that seat's full-period quota."""

    start: date
    end: date
    full_quota: Decimal
    seat: str = ""

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _check_segments(period: Period, segments: Sequence[Segment]) -> None:
    ordered = sorted(segments, key=lambda s: s.start)
    for seg in ordered:
        if seg.end < seg.start or seg.start < period.start or seg.end > period.end:
            raise AttainError(f"segment {seg.start}..{seg.end} ({seg.seat}) is outside {period.label} "
                              f"({period.start}..{period.end}) or has no days", code=BAD_PRORATION)
    for before, after in itertools.pairwise(ordered):
        if after.start <= before.end:
            raise AttainError(f"segments {before.start}..{before.end} and {after.start}..{after.end} overlap",
                              code=BAD_PRORATION)


def prorate_by_days(period: Period, segments: Sequence[Segment], unit: Decimal = Decimal("0.01")
                    ) -> list[tuple[Segment, Decimal]]:
    """Each segment's share: full quota x days in seat ÷ days in period, rounded to ``unit``.

    The rounded shares add to the rounded exact total (largest remainder across segments), so a
    rep moving between territories mid-quarter is never a cent off the sum of the parts.
    """
    _check_segments(period, segments)
    exact = [Fraction(s.full_quota) * s.days / period.days for s in segments]
    return _round_parts(segments, exact, unit)


def prorate_by_weights(period_weights: Sequence[tuple[Period, Decimal]], segments: Sequence[Segment],
                       unit: Decimal = Decimal("0.01")) -> list[tuple[Segment, Decimal]]:
    """Like ``prorate_by_days`` but by sub-period weights (e.g. months weighted 30/30/40 by seasonality).

    A segment earns a sub-period's weight in proportion to the days of that sub-period it covers.
    """
    total = sum((Fraction(w) for _, w in period_weights), Fraction(0))
    if total <= 0:
        raise AttainError("period weights add to zero", code=BAD_PRORATION)
    whole = Period(min(p.start for p, _ in period_weights), max(p.end for p, _ in period_weights),
                   period_weights[0][0].kind, "weighted")
    _check_segments(whole, segments)
    exact = []
    for seg in segments:
        share = Fraction(0)
        for sub, weight in period_weights:
            overlap = (min(seg.end, sub.end) - max(seg.start, sub.start)).days + 1
            if overlap > 0:
                share += Fraction(weight) / total * Fraction(overlap, sub.days)
        exact.append(Fraction(seg.full_quota) * share)
    return _round_parts(segments, exact, unit)


def _round_parts(segments: Sequence[Segment], exact: list[Fraction], unit: Decimal
                 ) -> list[tuple[Segment, Decimal]]:
    step = Fraction(unit)
    total = round(sum(exact, Fraction(0)) / step)
    shares = {f"{i:06d}": value / step for i, value in enumerate(exact)}
    units = _largest_remainder(shares, total) if shares else {}
    return [(seg, units[f"{i:06d}"] * unit) for i, seg in enumerate(segments)]
