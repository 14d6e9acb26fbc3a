"""Plan modeling: replay historical periods under draft plans and compare them with the live plans.

Each scenario is the live plans with some replaced by drafts (a draft replaces every live version of
the plan with the same ``plan`` id and governs all the replayed periods). Every scenario runs
through ``attain.engine.calculate`` on the same inputs, so a draft is priced exactly as it would
pay. Figures are exact Decimals: cost of sales (Σ paid amounts, rounded per payee-period as paid),
cost as a share of revenue (bookings, orders and invoices less cancellations and returns dated in
the periods), the payout distribution (per payee: median, 10th and 90th percentile, max), cost by
plan, how many payee-periods reached quota, and who gains or loses against the live plans.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from attain.core.entities import REVERSAL_KINDS
from attain.core.errors import AttainError
from attain.core.periods import FiscalCalendar
from attain.engine import CalcResult, InputTables, calculate
from attain.planning.codes import BAD_DRAFT
from attain.plans.schema import PlanDocument

LIVE = "live"


@dataclass(frozen=True)
class Scenario:
    """The figures of one scenario over the replayed periods."""

    name: str
    cost: Decimal
    revenue: Decimal
    payouts: dict[str, Decimal]  # payee -> total paid
    cost_by_plan: dict[str, Decimal]
    at_quota: int  # payee-periods with attainment ≥ 100%
    with_quota: int  # payee-periods with a quota
    issues: int = 0

    @property
    def cost_share(self) -> Decimal | None:
        """Cost of sales ÷ revenue (exact to 10 places), None without revenue."""
        return (self.cost / self.revenue).quantize(Decimal("1e-10")) if self.revenue else None

    def percentile(self, share: Decimal) -> Decimal:
        """Nearest-rank percentile of the per-payee payouts (0 when nobody is paid)."""
        values = sorted(self.payouts.values())
        if not values:
            return Decimal(0)
        rank = max(1, math.ceil(share * len(values)))
        return values[min(rank, len(values)) - 1]


@dataclass(frozen=True)
class Change:
    """What a payee would be paid under a draft scenario against the live plans."""

    payee: str
    live: Decimal
    draft: Decimal

    @property
    def delta(self) -> Decimal:
        return self.draft - self.live


@dataclass(frozen=True)
class Comparison:
    """Live and draft scenarios side by side, with per-payee changes for each draft."""

    periods: list[str]
    scenarios: list[Scenario]
    changes: dict[str, list[Change]] = field(default_factory=dict)

    def gainers(self, name: str) -> list[Change]:
        return [c for c in self.changes[name] if c.delta > 0]

    def losers(self, name: str) -> list[Change]:
        return [c for c in self.changes[name] if c.delta < 0]


def scenario_plans(live: Sequence[PlanDocument], drafts: Sequence[PlanDocument]) -> list[PlanDocument]:
    """The live plans with every plan that has a draft replaced by that draft (effective from the start)."""
    by_plan: dict[str, list[PlanDocument]] = defaultdict(list)
    for doc in live:
        by_plan[doc.plan].append(doc)
    seen = set()
    for draft in drafts:
        if draft.plan in seen:
            raise AttainError(f"two drafts of plan {draft.plan} in one scenario", code=BAD_DRAFT)
        seen.add(draft.plan)
        if draft.plan not in by_plan:
            known = ", ".join(sorted(by_plan)) or "none"
            raise AttainError(f"draft plan {draft.plan!r} has no live plan to replace (payees are "
                              f"assigned to plan ids: {known})", code=BAD_DRAFT)
        start = min([d.effective_from for d in by_plan[draft.plan]] + [draft.effective_from])
        by_plan[draft.plan] = [draft.model_copy(update={"effective_from": start, "effective_to": None})]
    return [doc for plan_id in sorted(by_plan) for doc in by_plan[plan_id]]


def revenue(inputs: InputTables, start: date, end: date) -> Decimal:
    """Bookings, orders and invoices less cancellations and returns dated in [start, end]."""
    deals = inputs["transaction"]
    if deals.num_rows == 0:
        return Decimal(0)
    inside = pc.and_(pc.greater_equal(deals["date"], pa.scalar(start, pa.date32())),
                     pc.less_equal(deals["date"], pa.scalar(end, pa.date32())))
    rows = deals.filter(inside)
    reversal = pc.is_in(rows["kind"], pa.array(list(REVERSAL_KINDS)))
    signed = pc.if_else(reversal, pc.negate(rows["amount"]), rows["amount"])
    total = pc.sum(signed).as_py()
    return Decimal(total) if total is not None else Decimal(0)


def _window(plans: Sequence[PlanDocument], periods: Sequence[str]) -> tuple[date, date]:
    calendar = FiscalCalendar(plans[0].fiscal_year_start_month if plans else 1)
    try:
        parsed = [calendar.parse(p) for p in periods]
    except ValueError as exc:
        raise AttainError(str(exc), code=BAD_DRAFT) from exc
    return min(p.start for p in parsed), max(p.end for p in parsed)


def summarize(name: str, result: CalcResult, inputs: InputTables, start: date, end: date) -> Scenario:
    """A scenario's figures from one calculation result."""
    payouts: dict[str, Decimal] = defaultdict(Decimal)
    for row in result.component_totals.select(["payee_id", "amount_rounded"]).to_pylist():
        payouts[row["payee_id"]] += row["amount_rounded"] or Decimal(0)
    by_plan: dict[str, Decimal] = defaultdict(Decimal)
    for row in result.earnings.select(["plan_id", "amount"]).to_pylist():
        by_plan[row["plan_id"]] += row["amount"] or Decimal(0)
    attained = [r["attainment"] for r in result.measures.select(["attainment"]).to_pylist()
                if r["attainment"] is not None]
    return Scenario(name, sum(payouts.values(), Decimal(0)), revenue(inputs, start, end), dict(payouts),
                    dict(by_plan), sum(1 for a in attained if a >= 1), len(attained),
                    sum(1 for i in result.issues if i.is_error))


def compare(inputs: InputTables, live: Sequence[PlanDocument], drafts: Mapping[str, Sequence[PlanDocument]],
            periods: Sequence[str]) -> Comparison:
    """Replay ``periods`` under the live plans and under each named draft scenario."""
    if not live:
        raise AttainError("no live (published) plans to compare with", code=BAD_DRAFT)
    start, end = _window(live, periods)
    scenarios = {LIVE: list(live), **{name: scenario_plans(live, docs) for name, docs in drafts.items()}}
    results = []
    for name, plans in scenarios.items():
        try:
            result = calculate(inputs, list(plans), list(periods))
        except AttainError as exc:
            raise AttainError(f"scenario {name}: {exc}", exc.issues, code=BAD_DRAFT) from exc
        results.append(summarize(name, result, inputs, start, end))
    base = results[0].payouts
    changes = {}
    for scenario in results[1:]:
        payees = sorted(set(base) | set(scenario.payouts))
        changes[scenario.name] = [Change(p, base.get(p, Decimal(0)), scenario.payouts.get(p, Decimal(0)))
                                  for p in payees]
    return Comparison(list(periods), results, changes)
