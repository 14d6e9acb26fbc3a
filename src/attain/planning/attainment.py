"""Expected attainment from history: how a quota version would land on each rep, and who stands out.

For each rep, every past period of the quota's length (e.g. the last four quarters) is replayed
against the new quota: attainment = what the rep sold in that period ÷ the new per-period quota.
That gives the rep's expected attainment distribution (p10 / median / p90, nearest rank) and the
share of past periods that would have reached quota. Across the team, the reps' medians form the
team distribution; a rep whose median is more than ``tolerance`` away from the team median is an
outlier — ``high`` (the quota looks easy for them) or ``low`` (it looks out of reach) — and a rep
with a quota but no history at all is flagged ``no history``. All arithmetic is exact (fractions,
shown at 4 places: 1.0250 = 102.50%).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from attain.core.errors import AttainError
from attain.planning.codes import NO_HISTORY

PLACES = 4


def _decimal(value: Fraction) -> Decimal:
    return Decimal(round(value * 10**PLACES)).scaleb(-PLACES)


def nearest_rank(values: Sequence[Fraction], share: Fraction) -> Fraction:
    """The nearest-rank percentile of ``values`` (sorted or not; at least one value)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass(frozen=True)
class RepOutlook:
    """One rep's expected attainment under a quota, from their past periods."""

    rep: str
    quota: Decimal
    periods: int
    p10: Decimal | None
    median: Decimal | None
    p90: Decimal | None
    at_quota: Decimal | None  # share of past periods at or above 100%
    vs_team: Decimal | None  # median ÷ team median - 1
    flag: str  # "", "high", "low", "no history", "no quota"


@dataclass(frozen=True)
class TeamOutlook:
    """The distribution of the reps' median expected attainment, and each rep's outlook."""

    reps: list[RepOutlook]
    p10: Decimal | None
    median: Decimal | None
    p90: Decimal | None
    expected_at_quota: int  # reps whose median expected attainment is 100% or more

    @property
    def outliers(self) -> list[RepOutlook]:
        return [r for r in self.reps if r.flag]


def expected_attainment(quotas: Mapping[str, Decimal], history: Mapping[str, Sequence[Decimal]],
                        tolerance: Decimal = Decimal("0.25")) -> TeamOutlook:
    """Each rep's past periods against their new per-period quota; outliers against the team median.

    ``history[rep]`` holds the rep's sales in each past period of the quota's length (zeros
    included: a period without sales counts). A rep missing from ``history`` has no history.
    """
    if not quotas:
        raise AttainError("no quotas to compare with history", code=NO_HISTORY)
    if any(q < 0 for q in quotas.values()) or tolerance < 0:
        raise AttainError("a negative quota or tolerance", code=NO_HISTORY)
    spreads = {rep: [Fraction(v) / Fraction(q) for v in history.get(rep, [])]
               for rep, q in quotas.items() if q > 0}
    medians = {rep: nearest_rank(values, Fraction(1, 2)) for rep, values in spreads.items() if values}
    team = nearest_rank(list(medians.values()), Fraction(1, 2)) if medians else None
    reps = [_outlook(rep, quotas[rep], spreads.get(rep, []), team, Fraction(tolerance))
            for rep in sorted(quotas)]
    values = list(medians.values())
    return TeamOutlook(
        reps,
        _decimal(nearest_rank(values, Fraction(1, 10))) if values else None,
        _decimal(team) if team is not None else None,
        _decimal(nearest_rank(values, Fraction(9, 10))) if values else None,
        sum(1 for m in values if m >= 1),
    )


def _outlook(rep: str, quota: Decimal, values: list[Fraction], team: Fraction | None,
             tolerance: Fraction) -> RepOutlook:
    if quota == 0:
        return RepOutlook(rep, quota, 0, None, None, None, None, None, "no quota")
    if not values:
        return RepOutlook(rep, quota, 0, None, None, None, None, None, "no history")
    median = nearest_rank(values, Fraction(1, 2))
    spread = median / team - 1 if team else None
    flag = ""
    if spread is not None and abs(spread) > tolerance:
        flag = "high" if spread > 0 else "low"
    return RepOutlook(
        rep, quota, len(values), _decimal(nearest_rank(values, Fraction(1, 10))), _decimal(median),
        _decimal(nearest_rank(values, Fraction(9, 10))),
        _decimal(Fraction(sum(1 for v in values if v >= 1), len(values))),
        None if spread is None else _decimal(spread), flag)
