"""The reference oracle: docs/calculation.md read literally, one row at a time, in plain Decimal.

It shares nothing with the fast engine but the plan schema, the core types (entities, periods)
and the formula interpreter. It goes one row at a time on purpose and is meant to be read by a
comp analyst; its only concession to speed is filing rows by the key they are looked up by
(payee, pay period, opportunity...) and keeping running year totals, so its time grows linearly
with the credits (benchmarks/reference_bench.py: a 100k-deal sample in seconds):

    credit (crediting.py) -> measure (measuring.py) -> earn (earning.py) -> caps and floors (here)

Entry points: ``calculate(tables, plans, periods)`` and ``calculate_folder(plan_paths, data_dir,
periods)``; both return an ``OracleResult`` whose ``totals`` are one row per payee x period x
component, unrounded (10 places), like ``CalcResult.component_totals``.

Readings chosen where the contract is silent (caps and floors):
- A cap/floor applies to the component's own lines (a multiplier's extra lines are the
  multiplier's component and obey the multiplier's own cap).
- ``per: year`` cap: the year-to-date earnings are capped, and a period gets the change of the
  capped year-to-date: min(YTD after, cap) - min(YTD before, cap). While earnings are positive
  this is the contract's min(its earning, cap - earned before in the year); a later reversal only
  gives back what it takes the year-to-date below the cap (the to-date true-up rule).
- A yearly cap given as ``percent_of_target_incentive`` is that percent of the ANNUAL target
  incentive: the sum of the payee's target incentives over all pay periods of the fiscal year on
  the plan (target incentive on an assignment is per pay period, as ``rate_of: target_incentive``
  and MBO use it), whatever periods the run covers.
- A floor tops the period total up to the floor after the cap; a yearly floor is not defined by
  the contract and is refused.
- capped_amount = earned - amount when positive, else 0.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

import yaml

from attain.core.periods import FiscalCalendar, Period
from attain.plans.schema import Cap, MultiplierComponent, PlanDocument

from .crediting import OracleIssue, credit
from .earning import STAGE_ONE, Earning, multiplier, on_plan_periods
from .inputs import Row, Tables, read_folder
from .measuring import PlanRun, assignments, measure_table, periods_to_compute

ZERO = Decimal(0)


@dataclass(frozen=True)
class Total:
    """A component's total for a payee and period: earned, capped off, and kept (unrounded)."""

    payee_id: str
    period_label: str
    component_id: str
    earned: Decimal
    capped_amount: Decimal
    amount: Decimal


@dataclass
class OracleResult:
    totals: list[Total] = field(default_factory=list)
    earnings: list[Earning] = field(default_factory=list)
    credits: list[Row] = field(default_factory=list)
    measures: list[Row] = field(default_factory=list)
    issues: list[OracleIssue] = field(default_factory=list)

    def amounts(self, column: str = "amount") -> dict[tuple[str, str, str], Decimal]:
        """(payee, period, component) -> amount after caps and floors (or another total column)."""
        result: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
        for total in self.totals:
            result[(total.payee_id, total.period_label, total.component_id)] += getattr(total, column)
        return dict(result)


def load_plan(path: Path) -> PlanDocument:
    return PlanDocument.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def calculate_folder(plan_paths: list[Path], data_dir: Path, periods: list[str]) -> OracleResult:
    """The oracle on plan files and a folder of entity CSV files."""
    return calculate(read_folder(data_dir), [load_plan(p) for p in plan_paths], periods)


def calculate(tables: Tables, plans: list[PlanDocument], periods: list[str]) -> OracleResult:
    """Every plan on the same inputs; totals only for the requested periods."""
    result = OracleResult()
    with localcontext() as context:
        context.prec = 60  # far beyond DECIMAL(38, 10): no intermediate ever loses a digit
        for plan in plans:
            versions = [p for p in plans if p.plan == plan.plan]
            run_plan(plan, versions, tables, periods, result)
    return result


def start_run(plan: PlanDocument, versions: list[PlanDocument], tables: Tables, labels: list[str],
              result: OracleResult) -> PlanRun:
    calendar = FiscalCalendar(plan.fiscal_year_start_month)
    periods = periods_to_compute(calendar, plan, labels)
    credits, issues = credit(plan, tables)
    result.issues.extend(issues)
    label_of_day: dict[date, str] = {}  # the pay period of each day, looked up once per day
    for row in credits:
        if row["date"] not in label_of_day:
            label_of_day[row["date"]] = calendar.period_of(row["date"], plan.pay_period).label
        row["period_label"] = label_of_day[row["date"]]
    return PlanRun(plan, tables, calendar, periods, credits, assignments(plan, tables, periods, versions),
                   versions)


def run_plan(plan: PlanDocument, versions: list[PlanDocument], tables: Tables, labels: list[str],
             result: OracleResult) -> None:
    """One plan version: its credits, and measures and earnings for the periods it governs."""
    run = start_run(plan, versions, tables, labels, result)
    requested = {run.calendar.parse(label).label for label in labels}
    result.credits.extend(run.credits)
    for payee in run.payees():
        for measure in plan.measures:
            result.measures.extend(
                row for row in measure_table(run, measure, payee).values() if row["period_label"] in requested
            )
        lines = earn(run, payee, result.issues)
        result.earnings.extend(line for line in lines if line.period_label in requested)
        result.totals.extend(t for t in totals(run, payee, lines) if t.period_label in requested)


def earn(run: PlanRun, payee: str, issues: list[OracleIssue]) -> list[Earning]:
    """Every earning line of a payee: stage-one components first, then multipliers on them."""
    lines: list[Earning] = []
    for component in run.plan.components:
        if component.kind in STAGE_ONE:
            lines.extend(STAGE_ONE[component.kind](run, component, payee, issues))  # type: ignore[operator]
    base = list(lines)
    for component in run.plan.components:
        if isinstance(component, MultiplierComponent):
            lines.extend(multiplier(run, component, payee, base, issues))
    return lines


def limit(rule: Cap, run: PlanRun, payee: str, period: Period) -> Decimal:
    """A cap's or floor's amount for a payee and period (an amount, or a percent of target incentive:
    the period's for ``per: period``, the fiscal year's for ``per: year``)."""
    if rule.amount is not None:
        return rule.amount
    if rule.per == "period":
        ti = run.assignments[(payee, period.label)].target_incentive
    else:
        year = run.calendar.periods(run.year_of(period), run.plan.pay_period)
        whole_year = run.assignments_in_year(run.year_of(period))
        ti = sum((whole_year[(payee, p.label)].target_incentive for p in year
                  if (payee, p.label) in whole_year), ZERO)
    return (rule.percent_of_target_incentive or ZERO) * ti


def totals(run: PlanRun, payee: str, lines: list[Earning]) -> list[Total]:
    """Per component and on-plan period: earned, then the cap (per period or year), then the floor."""
    earned: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for line in lines:
        earned[(line.component_id, line.period_label)] += line.amount
    result = []
    for component in run.plan.components:
        earned_in_year: dict[int, Decimal] = defaultdict(Decimal)
        for period in on_plan_periods(run, payee):
            before_cap = earned[(component.id, period.label)]
            amount = before_cap
            year = run.year_of(period)
            ytd_before = earned_in_year[year]
            earned_in_year[year] += before_cap
            if component.cap is not None:
                cap = limit(component.cap, run, payee, period)
                if component.cap.per == "period":
                    amount = min(amount, cap)
                else:
                    amount = min(earned_in_year[year], cap) - min(ytd_before, cap)
            if component.floor is not None:
                if component.floor.per != "period":
                    raise ValueError("a yearly floor is not defined by docs/calculation.md")
                amount = max(amount, limit(component.floor, run, payee, period))
            result.append(Total(payee, period.label, component.id, before_cap,
                                max(before_cap - amount, ZERO), amount))
    return result


def as_rows(result: OracleResult) -> list[dict[str, Any]]:
    """The totals as plain dicts (for printing and comparing)."""
    return [t.__dict__.copy() for t in result.totals]
